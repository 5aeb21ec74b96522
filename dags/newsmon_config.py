"""The variables that shape the newsmon DAGs, each parsed once, here, for both DAG files.

The DAG files are re-parsed every 30 seconds and do not import ``etl`` (see etl/settings.py), so
the few ``NEWSMON_*`` variables that decide a DAG's shape are read in this module (on the DAGs
folder's path; listed in .airflowignore so that it is not parsed as a DAG file itself).
"""

from __future__ import annotations

import os


def _count(name: str, default: int) -> int:
    """A positive count from ``name``; an empty variable keeps the default."""
    raw = (os.environ.get(name) or "").strip()
    try:
        return max(1, int(raw)) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


# parallel fetch and process tasks (fetch shards by host, process shards by article id)
SHARDS = _count("NEWSMON_SHARDS", 2)
FEED_BATCH = _count("NEWSMON_FEED_BATCH", 25)
PARALLEL = _count("NEWSMON_PARALLEL_TASKS", 2)
INGEST_SCHEDULE = os.environ.get("NEWSMON_INGEST_SCHEDULE") or "*/15 * * * *"
MAINTENANCE_SCHEDULE = os.environ.get("NEWSMON_MAINTENANCE_SCHEDULE") or "30 3 * * *"
