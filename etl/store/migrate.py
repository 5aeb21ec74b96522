"""A small migrator for the numbered SQL files in ``sql/``.

Each file ``NNN_name.sql`` is applied in its own transaction together with the row that records
it in ``schema_migrations``, so a migration is either fully applied and recorded or not at all.
An advisory lock serialises concurrent migrators (several Airflow workers starting at once).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from etl.settings import PACKAGE_DIR

log = logging.getLogger(__name__)
MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
LOCK_ID = 0x6E65_7773  # "news"


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


def migrate(conn, directory: Path | None = None) -> list[Migration]:
    """Apply pending migrations; return those applied now."""
    migrations = discover(directory)
    applied_now = []
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
    conn.commit()
    try:
        with conn.cursor() as cur:
            cur.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    integer PRIMARY KEY,
                       name       text NOT NULL,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            cur.execute("SELECT version, checksum FROM schema_migrations")
            done = dict(cur.fetchall())
        conn.commit()
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    log.warning(
                        "migration %03d_%s changed after it was applied; "
                        "write a new migration instead of editing an applied one",
                        migration.version, migration.name,
                    )
                continue
            try:
                with conn.cursor() as cur:
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
            log.info("applied migration %03d_%s", migration.version, migration.name)
            applied_now.append(migration)
    finally:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))
        conn.commit()
    return applied_now
