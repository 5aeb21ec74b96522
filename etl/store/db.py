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


# libpq options that hold a secret
SECRET_OPTIONS = frozenset({"password", "sslpassword"})
_HOST_RE = re.compile(r"[A-Za-z0-9._:%\[\]-]*")  # names and IP literals (a path starts with /)


def _plausible(options: dict[str, str]) -> bool:
    """False if libpq's reading of the string cannot be what was meant.

    An unencoded ``/`` or ``@`` in a URL's password shifts its pieces into the host, port or
    database name (``postgresql://u:pa/ss@h/db`` reads as host ``u``, port ``pa``); those then
    hold part of the password and must not be shown either.
    """
    for port in options.get("port", "").split(","):
        if port and not port.isdigit():
            return False
    for host in options.get("host", "").split(","):
        if host and not host.startswith("/") and not _HOST_RE.fullmatch(host):
            return False
    return not any(c in options.get("dbname", "") for c in "@/?#")


def _opaque(dsn: str) -> str:
    """Everything after the scheme hidden, for strings libpq cannot parse."""
    scheme, sep, _ = dsn.partition("://")
    if sep and scheme.isalpha():
        return f"{scheme}://*** (cannot be parsed)"
    return "a connection string that cannot be parsed"


def redact(url: str) -> str:
    """The connection string with every secret hidden, for logs, summaries and errors.

    The string is read as libpq reads it (:func:`psycopg2.extensions.parse_dsn`: URLs and
    ``key=value`` strings alike, percent-decoding, quoting, spaces around ``=``) and shown
    again as ``key=value`` pairs with ``password`` and ``sslpassword`` replaced. A string libpq
    cannot parse, or reads in a way that puts part of a password elsewhere, is hidden whole
    after its scheme: no pattern can know where such a password ends.
    """
    try:
        options = psycopg2.extensions.parse_dsn(url)
    except psycopg2.Error:
        return _opaque(url)
    if not _plausible(options):
        return _opaque(url)
    shown = {k: ("***" if k in SECRET_OPTIONS else v) for k, v in options.items()}
    return psycopg2.extensions.make_dsn(**shown)


def connection_error(url: str, exc: Exception) -> str:
    """The message for a failed connection: target redacted, libpq's words when they are safe.

    libpq quotes the offending token of a string it cannot parse (a bad percent-encoding quotes
    the password), so those messages are replaced by a hint.
    """
    try:
        options = psycopg2.extensions.parse_dsn(url)
    except psycopg2.Error:
        return (f"cannot connect to {_opaque(url)}: check NEWSMON_DATABASE_URL "
                "(percent-encode special characters in the password; option names are "
                "lower-case)")
    if not _plausible(options):
        return (f"cannot connect to {_opaque(url)}: the URL is read with part of the password "
                "in the host, port or database name; percent-encode '/', '@', '?' and '#' "
                "in the password")
    detail = str(exc).strip()
    for key in SECRET_OPTIONS:
        if options.get(key):
            detail = detail.replace(options[key], "***")
    return f"cannot connect to {redact(url)}: {detail}".strip()


def connect(url: str) -> psycopg2.extensions.connection:
    """Open a connection; failures become :class:`DatabaseError` with the password redacted."""
    try:
        conn = psycopg2.connect(url, connect_timeout=10, application_name="newsmon")
    except psycopg2.Error as exc:
        # from None: a logged traceback would print the chained psycopg2 error, which quotes
        # the unparsable token (the password) verbatim
        raise DatabaseError(connection_error(url, exc)) from None
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
