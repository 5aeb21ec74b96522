"""Analysts' logins: roles in ``newsmon_reader`` with a password, and the string to connect.

``newsmon db create-reader NAME`` creates the role (or gives an existing reader a new password)
and prints a connection string for it. The password is generated here and shown once;
PostgreSQL keeps only its SCRAM verifier.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg2.extensions
from psycopg2 import sql

from etl.errors import ConfigError
from etl.store.db import transaction

READER_GROUP = "newsmon_reader"
# Every reader's sessions start with this statement timeout (docs/warehouse.md): a query that
# runs away (a view without a WHERE, a cross join) stops by itself. A session may change it
# with SET statement_timeout; sql/012 gives readers created before it the same default.
READER_STATEMENT_TIMEOUT = "60s"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class ReaderLogin:
    """A reader's role name and the connection string that logs it in."""

    name: str
    password: str
    dsn: str


def reader_dsn(owner_url: str, name: str, password: str) -> str:
    """``owner_url`` (the pipeline's connection string) with the reader's user and password."""
    options = psycopg2.extensions.parse_dsn(owner_url)
    options.update(user=name, password=password)
    options.pop("application_name", None)
    return psycopg2.extensions.make_dsn(**options)


def create_reader(conn, owner_url: str, name: str) -> ReaderLogin:
    """Create login role ``name`` in ``newsmon_reader`` with a new password (or set a new one).

    Refuses names that are not plain lower-case identifiers, the pipeline's own role, and roles
    with powers beyond reading (superuser, CREATEROLE, CREATEDB).
    """
    if not _NAME.fullmatch(name):
        raise ConfigError(f"reader name must be a lower-case identifier, got {name[:64]!r}")
    password = secrets.token_urlsafe(24)
    with transaction(conn) as cur:
        cur.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb, rolname = current_user "
            "FROM pg_roles WHERE rolname = %s",
            (name,),
        )
        row = cur.fetchone()
        if row and (row[0] or row[1]):
            raise ConfigError(f"role {name} is not a reader (it can do more than read)")
        cur.execute("SET LOCAL password_encryption = 'scram-sha-256'")
        verb = "ALTER" if row else "CREATE"
        cur.execute(
            sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        cur.execute(
            sql.SQL("GRANT {} TO {}").format(sql.Identifier(READER_GROUP), sql.Identifier(name))
        )
        set_reader_defaults(cur, name)
    return ReaderLogin(name=name, password=password, dsn=reader_dsn(owner_url, name, password))


def set_reader_defaults(cur, name: str) -> None:
    """Session defaults of reader ``name``: the statement timeout (role settings are not
    inherited from ``newsmon_reader``, so each login gets its own)."""
    cur.execute(
        sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
            sql.Identifier(name), sql.Literal(READER_STATEMENT_TIMEOUT)
        )
    )
