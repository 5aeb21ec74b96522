"""Settings, read from ``NEWSMON_*`` environment variables.

One frozen dataclass so that every stage gets its configuration as plain values (and Airflow
tasks can rebuild it in a worker from the same environment).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from etl import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FEEDS_FILE = PACKAGE_DIR / "data" / "default_feeds.yaml"
DEFAULT_USER_AGENT = (
    f"newsmon/{__version__} (+https://github.com/newsmon/newsmon; self-hosted news monitor)"
)


def default_processes() -> int:
    """Extraction and tagging processes: one per core, at most four (~300 MB each)."""
    return max(1, min(os.cpu_count() or 1, 4))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc


def _env_hosts(name: str) -> tuple[str, ...]:
    """``host:port`` entries, comma- or space-separated, lower-cased."""
    entries = []
    for entry in os.environ.get(name, "").replace(",", " ").split():
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"{name} entries must be host:port, got {entry[:100]!r}")
        entries.append(f"{host.lower()}:{int(port)}")
    return tuple(entries)


@dataclass(frozen=True)
class Settings:
    """All tunables of a run. ``Settings.from_env()`` is the normal constructor."""

    database_url: str | None = None
    home: Path = field(default_factory=lambda: Path.home() / ".newsmon")
    feeds_file: Path = DEFAULT_FEEDS_FILE
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_feed_bytes: int = 20 * 1024 * 1024
    max_page_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    poll_interval_s: int = 900
    max_backoff_s: int = 6 * 3600
    workers: int = 16
    per_host: int = 2
    batch_size: int = 200
    max_attempts: int = 5
    retry_base_s: int = 300
    lease_s: int = 600
    extract_processes: int = 1
    allow_private_networks: bool = False
    # "host:port" entries the private-network guard lets through (the demo site on loopback)
    allowed_private_hosts: tuple[str, ...] = ()
    # the only directory a feeds_file DAG parameter may name (None: $NEWSMON_HOME/feeds)
    feeds_dir: Path | None = None

    @property
    def feeds_directory(self) -> Path:
        """Where a ``feeds_file`` DAG parameter may point: ``NEWSMON_FEEDS_DIR``."""
        return self.feeds_dir or self.home / "feeds"

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env_home = os.environ.get("NEWSMON_HOME")
        env_feeds = os.environ.get("NEWSMON_FEEDS_FILE")
        env_feeds_dir = os.environ.get("NEWSMON_FEEDS_DIR")
        base = cls(
            database_url=os.environ.get("NEWSMON_DATABASE_URL") or None,
            home=Path(env_home).expanduser() if env_home else Path.home() / ".newsmon",
            feeds_file=Path(env_feeds).expanduser() if env_feeds else DEFAULT_FEEDS_FILE,
            user_agent=os.environ.get("NEWSMON_USER_AGENT") or DEFAULT_USER_AGENT,
            connect_timeout=_env_float("NEWSMON_CONNECT_TIMEOUT", 10.0),
            read_timeout=_env_float("NEWSMON_READ_TIMEOUT", 20.0),
            total_timeout=_env_float("NEWSMON_TOTAL_TIMEOUT", 60.0),
            max_feed_bytes=_env_int("NEWSMON_MAX_FEED_BYTES", 20 * 1024 * 1024),
            max_page_bytes=_env_int("NEWSMON_MAX_PAGE_BYTES", 10 * 1024 * 1024),
            max_redirects=_env_int("NEWSMON_MAX_REDIRECTS", 5),
            poll_interval_s=_env_int("NEWSMON_POLL_INTERVAL", 900),
            max_backoff_s=_env_int("NEWSMON_MAX_BACKOFF", 6 * 3600),
            workers=_env_int("NEWSMON_WORKERS", 16),
            per_host=_env_int("NEWSMON_PER_HOST", 2),
            batch_size=_env_int("NEWSMON_BATCH_SIZE", 200),
            max_attempts=_env_int("NEWSMON_MAX_ATTEMPTS", 5),
            retry_base_s=_env_int("NEWSMON_RETRY_BASE", 300),
            lease_s=_env_int("NEWSMON_LEASE", 600),
            extract_processes=_env_int("NEWSMON_EXTRACT_PROCESSES", default_processes()),
            allow_private_networks=_env_bool("NEWSMON_ALLOW_PRIVATE_NETWORKS", False),
            allowed_private_hosts=_env_hosts("NEWSMON_ALLOWED_PRIVATE_HOSTS"),
            feeds_dir=Path(env_feeds_dir).expanduser() if env_feeds_dir else None,
        )
        return replace(base, **overrides) if overrides else base
