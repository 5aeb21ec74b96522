"""Analysts' logins: roles in ``newsmon_reader`` with a password, and the string to connect.

``newsmon db create-reader NAME`` creates the role (or gives a reader it created earlier a new
password) and prints a connection string for it. It never takes over a role it did not create
(issue 20): see :func:`create_reader`. The password is generated here and shown once;
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
# the comment a role created here carries: the command changes no role without it
CREATED_MARK = "newsmon reader login (created by newsmon db create-reader)"
# names a reader may not take: PostgreSQL's own and keywords for roles, and the group itself
RESERVED = frozenset({"public", "none", "current_user", "session_user", "current_role",
                      "user", "all", READER_GROUP})
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
    """Create login role ``name`` in ``newsmon_reader`` with a new password, or give a reader
    this command created a new one.

    It never touches a role it did not create: an existing role is changed only when it
    carries this command's mark and is still nothing but a reader (no attribute beyond LOGIN,
    no membership but ``newsmon_reader``, no privilege of its own, owner of nothing). Anything
    else, and reserved names (``public``, ``none``, ``pg_*``, ``newsmon_reader``, ...), is
    refused with a one-line :class:`ConfigError`, never a traceback.
    """
    _check_name(name)
    password = secrets.token_urlsafe(24)
    try:
        with transaction(conn) as cur:
            cur.execute("SELECT oid FROM pg_roles WHERE rolname = %s", (name,))
            row = cur.fetchone()
            if row is not None:
                problem = _not_ours(cur, row[0])
                if problem:
                    raise ConfigError(
                        f"role {name} already exists and is not a reader created by "
                        f"'newsmon db create-reader' ({problem}); it was left untouched: "
                        "choose a new name")
            cur.execute("SET LOCAL password_encryption = 'scram-sha-256'")
            verb = "ALTER" if row else "CREATE"
            cur.execute(
                sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            if row is None:
                cur.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(CREATED_MARK)))
                cur.execute(sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(READER_GROUP), sql.Identifier(name)))
            set_reader_defaults(cur, name)
    except psycopg2.Error as exc:  # a race, missing rights: one line, not a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"could not create reader {name}: {first[:200]}") from None
    return ReaderLogin(name=name, password=password, dsn=reader_dsn(owner_url, name, password))


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ConfigError(f"reader name must be a lower-case identifier, got {name[:64]!r}")
    if name in RESERVED or name.startswith("pg_"):
        raise ConfigError(f"reader name {name} is reserved; choose another")


def _not_ours(cur, oid: int) -> str | None:
    """Why the existing role ``oid`` is not one of this command's readers (None if it is)."""
    cur.execute(
        """SELECT r.rolname = current_user OR r.rolname = session_user,
                  r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication
                      OR r.rolbypassrls OR NOT r.rolinherit,
                  shobj_description(r.oid, 'pg_authid') IS NOT DISTINCT FROM %(mark)s,
                  ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g
                        ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1),
                  EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid),
                  EXISTS (SELECT 1 FROM pg_shdepend d WHERE d.refobjid = r.oid
                          AND d.refclassid = 'pg_authid'::regclass)
             FROM pg_roles r WHERE r.oid = %(oid)s""",
        {"oid": oid, "mark": CREATED_MARK},
    )
    me, powers, marked, groups, has_members, depends = cur.fetchone()
    if me:
        return "it is the role this command runs as"
    if not marked:
        return "this command did not create it"
    if powers:
        return "it has role attributes beyond LOGIN"
    if list(groups) != [READER_GROUP]:
        return f"it is a member of {', '.join(groups) or 'no reader group'}"
    if has_members:
        return "other roles are members of it"
    if depends:
        return "it owns objects or holds privileges of its own"
    return None


def set_reader_defaults(cur, name: str) -> None:
    """Session defaults of reader ``name``: the statement timeout (role settings are not
    inherited from ``newsmon_reader``, so each login gets its own)."""
    cur.execute(
        sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
            sql.Identifier(name), sql.Literal(READER_STATEMENT_TIMEOUT)
        )
    )
