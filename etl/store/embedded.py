"""An embedded PostgreSQL under ``NEWSMON_HOME`` for when no ``NEWSMON_DATABASE_URL`` is given.

Two routes, tried in order:

1. ``pgserver`` (PyPI): PostgreSQL 16 binaries in a wheel (CPython 3.11/3.12, x86-64). It
   listens on a Unix socket in the data directory only, and when run as root it runs the server
   as an unprivileged ``pgserver`` user it creates.
2. PostgreSQL binaries on PATH or in ``/usr/lib/postgresql/*/bin`` (``initdb``, ``pg_ctl``).
   ``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user.

The server is left running when the command ends (so ``psql "$(newsmon db url)"`` works);
``newsmon db stop`` stops it.

Authentication: the owner role ``postgres`` is trusted on the Unix socket, which sits in the
data directory (mode 0700: only the account that runs newsmon reaches it). Every other role
must give its password (``scram-sha-256``), so an analyst's login role in ``newsmon_reader``
(``newsmon db create-reader``) is a real boundary: it cannot connect as another role without
that role's password. :data:`PG_HBA` is written on every start and reloaded when it changed.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import shutil
import subprocess  # noqa: S404 - runs the PostgreSQL binaries we located ourselves
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from etl.errors import DatabaseError
from etl.settings import embedded_backend

log = logging.getLogger(__name__)
DATABASE_NAME = "newsmon"
OWNER = "postgres"
PG_HBA = f"""# Written by newsmon (etl/store/embedded.py); rewritten on every start.
# The owner is trusted on the Unix socket, reachable only through the data directory (0700);
# every other role (analysts' logins in newsmon_reader) must give its password.
# TYPE  DATABASE     USER        ADDRESS        METHOD
local   all          {OWNER}                    trust
local   replication  {OWNER}                    trust
local   all          all                        scram-sha-256
host    all          all         127.0.0.1/32   scram-sha-256
host    all          all         ::1/128        scram-sha-256
"""


def _pgserver_available() -> bool:
    if embedded_backend() == "binaries":
        return False
    # find_spec, not import: importing pgserver reads XDG_RUNTIME_DIR, set in _import_pgserver
    return importlib.util.find_spec("pgserver") is not None


def _import_pgserver(home: Path):
    """Import pgserver with its runtime directory (lock files) inside NEWSMON_HOME."""
    run_dir = home / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver._commands
    return pgserver


def _find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


class EmbeddedPostgres:
    """Start, locate and stop the embedded server of one ``NEWSMON_HOME``."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home).expanduser().resolve()
        self.backend = "pgserver" if _pgserver_available() else "binaries"
        self.pgdata = self.home / ("pgdata" if self.backend == "pgserver" else "pgdata-bin")

    # -- public API -------------------------------------------------------------------------
    def url(self) -> str:
        """Start the server if needed, make sure the ``newsmon`` database exists, return its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        base = self._start_pgserver() if self.backend == "pgserver" else self._start_binaries()
        if self._write_pg_hba():
            self._reload(base)
        self._ensure_database(base)
        return base.replace("/postgres?", f"/{DATABASE_NAME}?", 1)

    def stop(self) -> bool:
        """Stop the server; True if one was running."""
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        pg_ctl = self._pg_ctl()
        cmd = [pg_ctl, "-D", str(self.pgdata), "-m", "fast", "-w", "stop"]
        result = subprocess.run(  # noqa: S603
            self._as_owner(cmd), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DatabaseError(f"pg_ctl stop failed: {result.stderr.strip()}")
        return True

    # -- pgserver route ---------------------------------------------------------------------
    def _start_pgserver(self) -> str:
        pgserver = _import_pgserver(self.home)
        if not (self.pgdata / "postmaster.pid").exists():
            # pgserver caches servers per process; one stopped since must be started afresh
            pgserver.PostgresServer._instances.pop(self.pgdata, None)
        try:
            server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        except Exception as exc:  # pgserver raises plain exceptions from its subprocesses
            raise DatabaseError(f"embedded PostgreSQL failed to start: {exc}") from exc
        return server.get_uri()

    def _pg_ctl(self) -> str:
        if self.backend == "pgserver":
            pgserver = _import_pgserver(self.home)
            return str(Path(pgserver._commands.POSTGRES_BIN_PATH) / "pg_ctl")
        pg_ctl = _find_bin("pg_ctl")
        if not pg_ctl:
            raise DatabaseError("pg_ctl not found")
        return pg_ctl

    # -- binaries route ---------------------------------------------------------------------
    def _owner(self) -> str | None:
        if os.geteuid() != 0:
            return None
        if self.backend == "pgserver":
            return "pgserver"
        return "postgres"

    def _as_owner(self, cmd: list[str]) -> list[str]:
        owner = self._owner()
        return ["runuser", "-u", owner, "--", *cmd] if owner else cmd

    def _start_binaries(self) -> str:
        initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise DatabaseError(
                "no embedded PostgreSQL: install the 'pgserver' package (x86-64, Python 3.11/3.12) "
                "or PostgreSQL binaries (initdb, pg_ctl), or set NEWSMON_DATABASE_URL"
            )
        owner = self._owner()
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(parents=True, exist_ok=True)
            if owner:
                shutil.chown(self.pgdata, owner, owner)
                self.pgdata.chmod(0o700)
                # the server user must be able to reach its data directory
                for parent in self.pgdata.parents:
                    if parent == Path("/"):
                        break
                    parent.chmod(parent.stat().st_mode | 0o011)
            self._run(
                [initdb, "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--no-sync"]
            )
        if not (self.pgdata / "postmaster.pid").exists() or not self._running():
            opts = f"-k {self.pgdata} -c listen_addresses=''"
            self._run(
                [pg_ctl, "-D", str(self.pgdata), "-o", opts, "-l",
                 str(self.pgdata / "server.log"), "-w", "start"]
            )
        return f"postgresql://postgres:@/postgres?host={self.pgdata}"

    def _running(self) -> bool:
        pg_ctl = _find_bin("pg_ctl") or "pg_ctl"
        result = subprocess.run(  # noqa: S603
            self._as_owner([pg_ctl, "-D", str(self.pgdata), "status"]),
            capture_output=True, check=False,
        )
        return result.returncode == 0

    def _run(self, cmd: list[str]) -> None:
        result = subprocess.run(  # noqa: S603
            self._as_owner(cmd), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise DatabaseError(
                f"{Path(cmd[0]).name} failed: {(result.stderr or result.stdout).strip()[-500:]}"
            )

    # -- shared -----------------------------------------------------------------------------
    def _write_pg_hba(self) -> bool:
        """Make ``pg_hba.conf`` :data:`PG_HBA` (atomically, keeping its owner); True if changed.

        initdb (pgserver's and ours) writes ``trust`` for every local connection.
        """
        path = self.pgdata / "pg_hba.conf"
        try:
            if path.read_text() == PG_HBA:
                return False
            stat = path.stat()
            tmp = path.with_name("pg_hba.conf.newsmon")
            tmp.write_text(PG_HBA)
            if os.geteuid() == 0:
                os.chown(tmp, stat.st_uid, stat.st_gid)
            tmp.chmod(0o600)
            os.replace(tmp, path)
        except OSError as exc:
            raise DatabaseError(f"cannot write {path}: {exc}") from exc
        return True

    @staticmethod
    @contextmanager
    def _owner_cursor(base_url: str):
        """An autocommit cursor of the owner on the embedded server."""
        try:
            conn = psycopg2.connect(base_url, connect_timeout=10)
        except psycopg2.Error as exc:
            raise DatabaseError(f"cannot connect to the embedded PostgreSQL: {exc}") from exc
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    @classmethod
    def _reload(cls, base_url: str) -> None:
        with cls._owner_cursor(base_url) as cur:
            cur.execute("SELECT pg_conf_load_time()")
            before = cur.fetchone()[0]
            cur.execute("SELECT pg_reload_conf()")
            # the reload is asynchronous: wait until this session has seen it, so that the
            # next connection is checked against the new rules
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                cur.execute("SELECT pg_conf_load_time()")
                if cur.fetchone()[0] != before:
                    break
                time.sleep(0.02)
            time.sleep(0.05)  # the postmaster reads pg_hba.conf after signalling sessions

    @classmethod
    def _ensure_database(cls, base_url: str) -> None:
        with cls._owner_cursor(base_url) as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,))
            if cur.fetchone() is None:
                try:
                    cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')  # noqa: S608 - constant
                except psycopg2.errors.DuplicateDatabase:
                    pass  # created by a concurrent process
