"""Database connections: ``NEWSMON_DATABASE_URL``, else the embedded PostgreSQL."""

from __future__ import annotations

import re
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from etl.errors import DatabaseError
from etl.settings import Settings


def database_url(settings: Settings) -> str:
    """The URL to use: the setting, else the embedded server's (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from etl.store.embedded import EmbeddedPostgres

    return EmbeddedPostgres(settings.home).url()


def redact(url: str) -> str:
    """The URL with any password replaced, for logs and summaries."""
    url = re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


def connect(url: str) -> psycopg2.extensions.connection:
    """Open a connection; failures become :class:`DatabaseError` with the password redacted."""
    try:
        conn = psycopg2.connect(url, connect_timeout=10, application_name="newsmon")
    except psycopg2.Error as exc:
        raise DatabaseError(f"cannot connect to {redact(url)}: {exc}".strip()) from exc
    return conn


@contextmanager
def transaction(conn: psycopg2.extensions.connection):
    """``with transaction(conn) as cur:`` commits on success, rolls back on error."""
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def execute_values(cur, sql: str, rows: list[tuple], template: str | None = None, fetch=False):
    """Batched multi-row statement (one round trip per page of 500 rows)."""
    return psycopg2.extras.execute_values(
        cur, sql, rows, template=template, page_size=500, fetch=fetch
    )
