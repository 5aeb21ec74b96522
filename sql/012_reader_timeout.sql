-- 012_reader_timeout: readers' sessions start with a statement timeout (issue 21.5).
--
-- `newsmon db create-reader` sets it on every login it creates (etl/store/readers.py,
-- READER_STATEMENT_TIMEOUT); this gives the same default to readers created before. Role
-- settings are not inherited through newsmon_reader, hence one ALTER ROLE per login. A session
-- may still SET statement_timeout itself. On an external server where the migrating role may
-- not alter roles, the readers are left as they are (a notice says so).
DO $$
DECLARE
    reader name;
BEGIN
    FOR reader IN
        SELECT r.rolname FROM pg_roles r
        JOIN pg_auth_members m ON m.member = r.oid
        JOIN pg_roles g ON g.oid = m.roleid AND g.rolname = 'newsmon_reader'
        WHERE r.rolcanlogin AND NOT r.rolsuper
    LOOP
        BEGIN
            EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', reader, '60s');
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'reader %: statement timeout not set (no privilege)', reader;
        END;
    END LOOP;
END
$$;
