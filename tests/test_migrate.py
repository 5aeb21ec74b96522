"""The migrator: each file applied once, recorded in the same transaction."""

from __future__ import annotations

import pytest
from conftest import rows, scalar

from etl.store.migrate import discover, migrate, sql_dir


def test_schema_is_recorded_and_rerun_is_a_no_op(conn):
    versions = [m.version for m in discover()]
    assert versions == sorted(versions) and versions[0] == 1
    recorded = rows(conn, "SELECT version FROM schema_migrations ORDER BY 1")
    assert [r[0] for r in recorded] == versions
    assert migrate(conn) == []


def test_every_table_and_column_is_commented(conn):
    missing = rows(
        conn,
        """SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN pg_class t ON t.relname = c.table_name AND t.relkind = 'r'
           JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
           WHERE c.table_schema = 'public' AND c.table_name <> 'schema_migrations'
             AND col_description(t.oid, c.ordinal_position) IS NULL""",
    )
    assert missing == []
    assert scalar(conn, """SELECT count(*) FROM pg_class t JOIN pg_namespace n
                           ON n.oid = t.relnamespace WHERE n.nspname = 'public'
                           AND t.relkind = 'r' AND t.relname <> 'schema_migrations'
                           AND obj_description(t.oid) IS NULL""") == 0


def test_timestamps_are_timestamptz(conn):
    naive = rows(conn, """SELECT table_name, column_name FROM information_schema.columns
                          WHERE table_schema = 'public'
                            AND data_type = 'timestamp without time zone'""")
    assert naive == []


def test_a_failing_migration_leaves_no_trace(conn, tmp_path):
    for m in discover():
        (tmp_path / m.path.name).write_bytes(m.path.read_bytes())
    (tmp_path / "900_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n"
    )
    with pytest.raises(Exception, match="no_such_table"):
        migrate(conn, tmp_path)
    assert scalar(conn, "SELECT count(*) FROM schema_migrations WHERE version = 900") == 0
    assert scalar(conn, "SELECT to_regclass('half_done') IS NULL") is True
    (tmp_path / "900_broken.sql").write_text("CREATE TABLE half_done (id int);\n")
    assert [m.version for m in migrate(conn, tmp_path)] == [900]
    assert scalar(conn, "SELECT name FROM schema_migrations WHERE version = 900") == "broken"


def test_sql_dir_is_the_top_level_one():
    assert sql_dir().name == "sql" and (sql_dir() / "001_core.sql").is_file()
