"""A small migrator for the numbered SQL files in ``sql/``.

Each file ``NNN_name.sql`` is applied in its own transaction together with the row that records
it in ``schema_migrations``, so a migration is either fully applied and recorded or not at all.
A lock on ``schema_migrations`` serialises concurrent migrators (several Airflow workers starting
at once); see :func:`migrate`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.errors

from etl.settings import PACKAGE_DIR

log = logging.getLogger(__name__)
MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def sql_dir() -> Path:
    """``sql/`` next to the package in a checkout, or the copy inside an installed wheel."""
    for candidate in (PACKAGE_DIR.parent / "sql", PACKAGE_DIR / "sql"):
        if candidate.is_dir() and any(candidate.glob("*.sql")):
            return candidate
    raise FileNotFoundError("no sql/ directory with migrations found")


def discover(directory: Path | None = None) -> list[Migration]:
    directory = directory or sql_dir()
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_RE.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise ValueError(f"duplicate migration versions in {directory}")
    return found


def _applied(conn) -> dict[int, str] | None:
    """Versions and checksums recorded so far; None before the first migration."""
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version, checksum FROM schema_migrations")
            done = dict(cur.fetchall())
    except psycopg2.errors.UndefinedTable:
        conn.rollback()
        return None
    conn.commit()
    return done


def _create_history(conn) -> None:
    try:
        with conn.cursor() as cur:
            cur.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    integer PRIMARY KEY,
                       name       text NOT NULL,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
        conn.commit()
    except (psycopg2.errors.UniqueViolation, psycopg2.errors.DuplicateTable):
        conn.rollback()  # a concurrent migrator created it a moment ago


def _warn_if_changed(migration: Migration, checksum: str) -> None:
    if checksum != migration.checksum:
        log.warning(
            "migration %03d_%s changed after it was applied; "
            "write a new migration instead of editing an applied one",
            migration.version, migration.name,
        )


def migrate(conn, directory: Path | None = None) -> list[Migration]:
    """Apply pending migrations; return those applied now.

    An up-to-date schema (every run) takes no lock at all. Each pending migration runs in a
    transaction that first takes an EXCLUSIVE lock on ``schema_migrations``: concurrent
    migrators apply it once, and no analyst can hold that lock (the read-only role may only
    take ACCESS SHARE, which does not conflict with it). An advisory lock was open to every
    role, and the pipeline checks for migrations on every run.
    """
    migrations = discover(directory)
    done = _applied(conn)
    if done is not None and all(m.version in done for m in migrations):
        for migration in migrations:
            _warn_if_changed(migration, done[migration.version])
        return []
    if done is None:
        _create_history(conn)
    applied_now = []
    for migration in migrations:
        try:
            with conn.cursor() as cur:
                cur.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                cur.execute(
                    "SELECT checksum FROM schema_migrations WHERE version = %s",
                    (migration.version,),
                )
                row = cur.fetchone()
                if row is None:
                    cur.execute(migration.sql)
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
            conn.commit()
        except Exception:
            conn.rollback()
            log.error("migration %03d_%s failed", migration.version, migration.name)
            raise
        if row is not None:
            _warn_if_changed(migration, row[0])
            continue
        log.info("applied migration %03d_%s", migration.version, migration.name)
        applied_now.append(migration)
    return applied_now
