"""Readers get a default statement timeout (issue 21.5): set by create-reader on every login,
and by sql/012 on the readers created before it."""

from __future__ import annotations

import psycopg2
from conftest import rows

from etl.settings import PACKAGE_DIR
from etl.store.readers import READER_STATEMENT_TIMEOUT, create_reader


def _show_timeout(dsn: str) -> str:
    reader = psycopg2.connect(dsn)
    try:
        with reader.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            return cur.fetchone()[0]
    finally:
        reader.close()


def test_create_reader_sets_a_statement_timeout(conn, db_url):
    try:
        login = create_reader(conn, db_url, "timed_reader")
        assert READER_STATEMENT_TIMEOUT == "60s"
        assert _show_timeout(login.dsn) == "1min"
        # the pipeline's own sessions are not limited
        assert rows(conn, "SHOW statement_timeout") == [("0",)]
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY timed_reader")
            cur.execute("DROP ROLE IF EXISTS timed_reader")
        conn.commit()


def test_migration_012_gives_older_readers_the_timeout(conn, db_url):
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS old_reader")
        cur.execute("CREATE ROLE old_reader LOGIN PASSWORD 'pw-old' IN ROLE newsmon_reader")
    conn.commit()
    dsn = db_url.replace("postgres:@", "old_reader:pw-old@", 1)
    try:
        assert _show_timeout(dsn) == "0"  # created by hand, as before 012
        with conn.cursor() as cur:
            cur.execute((PACKAGE_DIR.parent / "sql" / "012_reader_timeout.sql").read_text())
        conn.commit()
        assert _show_timeout(dsn) == "1min"
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY old_reader")
            cur.execute("DROP ROLE IF EXISTS old_reader")
        conn.commit()
