"""One full pass of the pipeline: sync feeds, poll, fetch, extract and tag, cluster.

Each stage is also callable on its own (the Airflow DAGs map over them); this module strings
them together for ``newsmon run`` and returns a :class:`RunSummary`. Fetching runs on a thread
beside extraction and tagging, which run in worker processes (:mod:`etl.stages.process`), so the
network, the database and every core are busy at once.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg2

from etl.errors import DatabaseError, WorkerError
from etl.settings import Settings
from etl.stages.feedlist import load_feed_list
from etl.stages.fetch import FetchStats, fetch_pending
from etl.stages.limits import PageLimits
from etl.stages.poll import due_feeds, poll_feeds, sync_feeds
from etl.stages.process import ProcessStats, TagStats, Workers, process_pending, tag_pending
from etl.stages.progress import NullReporter, Reporter
from etl.stages.stories import cluster_pending
from etl.store import db
from etl.store.migrate import migrate
from etl.store.queue import work_waiting
from etl.store.values import describe
from etl.web.http import HttpClient

log = logging.getLogger(__name__)
M_ARENA_MAX = -8  # malloc.h


@dataclass
class RunSummary:
    feeds_active: int = 0
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    articles_new: int = 0
    articles_fetched: int = 0
    articles_skipped: int = 0
    articles_extracted: int = 0
    articles_failed: int = 0
    articles_tagged: int = 0
    tagger_mode: str = ""
    tagger_warning: str | None = None
    articles_clustered: int = 0
    duration_s: float = 0.0
    feed_list_problems: list[str] = field(default_factory=list)
    stats: ProcessStats | None = field(default=None, repr=False)  # timings, for benchmarks

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "stats"}


def run(
    settings: Settings,
    feeds_file: str | Path | None = None,
    *,
    all_feeds: bool = False,
    reporter: Reporter | None = None,
) -> RunSummary:
    """Run one pass; the database URL comes from ``settings`` (embedded server if unset)."""
    reporter = reporter or NullReporter()
    started = time.monotonic()
    _limit_malloc_arenas()
    summary = RunSummary()
    feed_list = load_feed_list(feeds_file or settings.feeds_file)
    summary.feed_list_problems = feed_list.problems
    conn = db.connect(db.database_url(settings))
    try:
        _run_stages(conn, settings, feed_list, all_feeds, reporter, summary)
    except psycopg2.Error as exc:
        # The database went away mid-run (restart, crash, network) or refused to go on (disk
        # full): a systemic failure. Nothing is lost: finished batches are committed, claimed
        # work is freed when our session ends.
        raise DatabaseError(database_failure(conn, exc)) from exc
    except BrokenProcessPool as exc:
        # A worker (or the fork server) was killed, e.g. by the out-of-memory killer: the
        # batches in flight were not stored, and their claims end with this run's session.
        raise WorkerError("the extraction worker processes died during the run (killed?); "
                          "their articles are taken up again by the next run") from exc
    finally:
        conn.close()
    summary.duration_s = round(time.monotonic() - started, 3)
    log.info("run summary: %s", summary.as_dict())
    return summary


def database_failure(conn, exc: psycopg2.Error) -> str:
    """One line naming what happened to the database: lost, out of resources, or a refusal."""
    code = exc.pgcode or ""
    if code.startswith("53"):
        what = "the database ran out of resources (disk full?) during the run"
    elif code and not code.startswith(("08", "57")) and not conn.closed:
        what = "the database refused a statement during the run"
    else:
        what = "database connection lost during the run"
    return f"{what}: {describe(exc)}"


def _run_stages(
    conn, settings: Settings, feed_list, all_feeds: bool, reporter: Reporter,
    summary: RunSummary,
) -> None:
    """The stages of :func:`run`, filling ``summary`` as they go."""
    migrate(conn)
    sync = sync_feeds(conn, feed_list)
    summary.feeds_active = sync.active
    log.info(
        "feed list: %d active (%d added, %d updated, %d deactivated)",
        sync.active, sync.added, sync.updated, sync.deactivated,
    )
    url = db.database_url(settings)
    with HttpClient(settings) as client:
        feeds = due_feeds(conn, all_feeds=all_feeds, lease_s=settings.lease_s)
        outcomes = poll_feeds(conn, settings, client, feeds, reporter)
        summary.feeds_polled = len(outcomes)
        summary.feeds_not_modified = sum(o.outcome == "not_modified" for o in outcomes)
        summary.feeds_failed = sum(o.outcome == "failed" for o in outcomes)
        summary.articles_new = sum(o.new_articles for o in outcomes)
        if not work_waiting(conn):
            # a quiet pass (feeds unchanged): no worker processes; the tagger is loaded only
            # if stored articles need (re-)tagging
            fetched, processed = FetchStats(), ProcessStats()
            tagged = tag_pending(conn, settings, reporter)
        else:
            # The workers load the tagger while the first pages are fetched; fetching (I/O,
            # threads) then runs beside extraction and tagging (CPU, processes).
            with Workers(settings.processes,
                         limits=PageLimits.from_settings(settings)) as workers:
                fetcher = Fetcher(url, settings, client, reporter)
                fetcher.start()
                try:
                    # stories are clustered batch by batch while the workers go on
                    processed = process_pending(
                        conn, settings, workers, reporter, fetch_done=fetcher.done,
                        after_batch=lambda: cluster_pending(conn, reporter).clustered)
                finally:
                    fetched = fetcher.join()
                # what is left untagged (tagging failed, stale tags), same workers
                tagged = tag_pending(conn, settings, reporter, workers=workers)
    _summarize(summary, fetched, processed, tagged)
    summary.articles_clustered = processed.after_count + cluster_pending(conn, reporter).clustered


def _summarize(summary: RunSummary, fetched: FetchStats, processed: ProcessStats,
               tagged: TagStats) -> None:
    summary.articles_fetched = fetched.fetched
    summary.articles_skipped = fetched.skipped
    summary.articles_extracted = processed.extracted
    summary.articles_failed = fetched.failed + processed.failed
    summary.stats = processed
    summary.articles_tagged = processed.tagged + tagged.tagged
    summary.tagger_mode = processed.tagger_mode if processed.tagged else tagged.mode
    summary.tagger_warning = processed.tagger_warning or tagged.warning


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX does) before the fetch threads start.

    glibc gives each thread that allocates its own arena, up to 8 per core; the fetch
    threads' page buffers then leave memory scattered over many half-empty arenas.
    """
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):  # not glibc
        pass


class Fetcher(threading.Thread):
    """:func:`fetch_pending` on its own thread and database connection; ``done`` when over."""

    def __init__(self, url: str, settings: Settings, client: HttpClient,
                 reporter: Reporter) -> None:
        super().__init__(name="newsmon-fetch", daemon=True)
        self.url, self.settings, self.client, self.reporter = url, settings, client, reporter
        self.done = threading.Event()
        self.stats: FetchStats | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            conn = db.connect(self.url)
            try:
                self.stats = fetch_pending(conn, self.settings, self.client, self.reporter)
            finally:
                conn.close()
        except BaseException as exc:  # re-raised by join() in the main thread
            self.error = exc
        finally:
            self.done.set()

    def join(self, timeout: float | None = None) -> FetchStats:  # type: ignore[override]
        super().join(timeout)
        if self.error is not None:
            raise self.error
        return self.stats or FetchStats()
