"""The pipeline's CPU work, on every core: extract and tag fetched articles, tag stored ones.

Extraction (trafilatura, about 25 ms a page) and tagging (spaCy NER and the gazetteers, about
100 ms) are the pipeline's CPU work, and this module is its one executor, for ``newsmon run``
and for the Airflow tasks alike. :class:`Workers` starts ``processes`` worker processes that each
hold the tagger (loaded once, in a fork server they share it with, while the main process polls
and fetches) and then extract *and* tag each article: the page's compressed bytes go in, the
extracted text and its tags come out, and nothing crosses a process boundary twice. The main
process only claims batches (:mod:`etl.store.queue`), reads their pages and stores results.
With one process everything runs inline in the calling process (Airflow tasks, tests, small
machines).

:func:`process_pending` keeps two claimed batches in flight, so the workers always have queued
work while the main process talks to the database. Given ``fetch_done``, it also takes articles
as a concurrent fetch stores them, and ends once fetching has ended and nothing is left to claim.
:func:`tag_pending` tags, with the same workers, what is left: articles whose tagging failed,
articles with another tag version (:mod:`etl.tagging.version`), or all of them
(``newsmon retag --all``).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from etl.settings import Settings
from etl.stages.extract import Extracted, extract_job, load_jobs, store_extracted
from etl.stages.limits import PageLimits
from etl.stages.progress import NullReporter, Reporter
from etl.stages.tagbound import TagFailure, describe, tag_each
from etl.stages.tagstage import TagRows, get_tagger, rows_for, store_failures, store_rows
from etl.store import queue
from etl.store.queue import Failure, Shard, TagVersion, claim, claim_tagging, db_now
from etl.tagging.core.ner import MODE_MODEL

if TYPE_CHECKING:
    # Not imported here at run time: with worker processes, the main process never loads spaCy
    # (about 90 MB it would hold for nothing; etl.tagging.core.taxonomy imports it too).
    from etl.tagging.core.tagger import Tagger

log = logging.getLogger(__name__)
SUB_BATCH = 8        # articles per job sent to a worker: small, so the cores finish together
IN_FLIGHT = 2        # claimed batches being worked on at once
IDLE_WAIT_S = 0.25   # how long to wait for the fetcher when nothing is claimable

PR_SET_PDEATHSIG = 1  # linux/prctl.h

_tagger = None  # this worker's tagger (module state: one per process)
_limits = PageLimits()  # this worker's extraction bounds (the run's, set by _init_worker)

# id, text, extraction error, tags (or why tagging failed)
Outcome = tuple[int, Extracted | None, str | None, TagRows | TagFailure | None]


@dataclass
class WorkTimes:
    """CPU seconds of the workers, per kind of work (summed over processes)."""

    extract_s: float = 0.0
    tag_s: float = 0.0


@dataclass
class ProcessStats:
    extracted: int = 0
    failed: int = 0
    tagged: int = 0
    tagger_mode: str = ""
    tagger_warning: str | None = None
    times: WorkTimes = field(default_factory=WorkTimes)
    store_s: float = 0.0
    after_count: int = 0   # what after_batch counted (articles clustered)


@dataclass
class TagStats:
    tagged: int = 0
    mode: str = MODE_MODEL   # "idle" when nothing needed tagging (and no tagger was loaded)
    warning: str | None = None


def preload() -> None:
    """Load everything a worker needs, in the fork server the workers are forked from.

    The workers then share these pages with it (copy-on-write) instead of each holding its
    own copy: the tagger (model, gazetteers: about 180 MB), py3langid's model (70 MB) and
    lemminflect's tables (30 MB). ``gc.freeze`` keeps the workers' garbage collector from
    writing to (and so copying) them.
    """
    _die_with_parent()
    try:
        from etl.stages.extract import detect_language

        get_tagger().tag("Warm-up: forces shelled Mosul in northern Iraq on Monday.")
        detect_language("Warm-up text, so that the language model is loaded once and shared.")
    except Exception:  # the workers load what is missing themselves, and report it
        log.exception("preloading the tagger for the worker processes failed")
    gc.freeze()


def _die_with_parent() -> None:
    """End this process when the pipeline's main process dies, even by SIGKILL (Linux).

    Pool workers otherwise outlive a killed main process: they hold their own end of the job
    queue, so they never see it close, and they keep the run's stdout open. Two guards: the
    kernel's parent-death signal (the fork server's parent is the main process; a worker's is
    the fork server), and a thread that waits on multiprocessing's sentinel for the main
    process, which also covers a main process that died before the signal was armed.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    main = multiprocessing.parent_process()
    if main is None:  # the fork server: its parent is the main process
        if os.getppid() == 1:
            os._exit(1)
        return

    def watch() -> None:
        main.join()
        os._exit(1)

    threading.Thread(target=watch, name="newsmon-parent-watch", daemon=True).start()


def _init_worker(tag: bool, limits: PageLimits) -> None:
    """Pool initializer: runs in each worker process, never in the main process; ``limits``
    are the run's (from the Settings given to it, not this process's environment)."""
    global _tagger, _limits
    _die_with_parent()
    _limits = limits
    _tagger = _current_tagger() if tag else None


def _current_tagger() -> Tagger:
    """This process's tagger, reloaded if a rule or data file changed since it was
    (pre)loaded (the tag version, :mod:`etl.tagging.version`)."""
    from etl.tagging.version import tag_version

    tagger = get_tagger()
    if tagger.version != tag_version():
        get_tagger.cache_clear()
        tagger = get_tagger()
    if not getattr(tagger, "_warm", False):
        # what loads on first use loads here, outside any article's time bound
        tagger.tag("Warm-up: forces shelled Mosul in northern Iraq on Monday.")
        tagger._warm = True  # noqa: SLF001 - a mark on this process's own tagger
    return tagger


def _tagger_state(tagger: Tagger | None = None) -> tuple[str, str, str | None]:
    """(tag version, mode, warning) of ``tagger``, by default this worker's."""
    tagger = tagger if tagger is not None else _tagger
    return (tagger.version, tagger.mode, tagger.warning) if tagger is not None else ("", "", None)


def _extract_and_tag(tagger: Tagger | None, jobs: list[tuple], limits: PageLimits
                     ) -> tuple[list[Outcome], float, float]:
    started = time.process_time()
    extracted = [extract_job(job, limits) for job in jobs]
    middle = time.process_time()
    tags: dict[int, TagRows | TagFailure] = {}
    ok = [(article_id, e) for article_id, e, _ in extracted if e is not None]
    if tagger is not None and ok:
        tags = dict(_tag_rows(tagger, [(article_id, e.text, e.published_at, e.language)
                                       for article_id, e in ok], limits))
    outcomes = [(article_id, e, err, tags.get(article_id)) for article_id, e, err in extracted]
    return outcomes, middle - started, time.process_time() - middle


def _tag_only(tagger: Tagger, items: list[tuple], limits: PageLimits
              ) -> tuple[list[tuple[int, TagRows | TagFailure]], float, float]:
    """Tag (id, stored text, published_at[, language]) tuples (the date resolves "on Friday",
    the language routes the tagger)."""
    started = time.process_time()
    outcomes = _tag_rows(tagger, items, limits)
    return outcomes, 0.0, time.process_time() - started


def _tag_rows(tagger: Tagger, items: list[tuple], limits: PageLimits
              ) -> list[tuple[int, TagRows | TagFailure]]:
    """Each (id, text, published_at[, language])'s rows, or its :class:`TagFailure`: one
    article's failure (its time bound, an error) never takes its neighbours down."""
    results = tag_each(tagger, [item[1] for item in items], [item[2] for item in items],
                       timeout_s=limits.tag_timeout_s,
                       languages=[item[3] if len(item) > 3 else None for item in items])
    outcomes: list[tuple[int, TagRows | TagFailure]] = []
    for (article_id, text, *_), result in zip(items, results, strict=True):
        if isinstance(result, str):
            outcomes.append((article_id, TagFailure(article_id, result)))
            continue
        try:
            outcomes.append((article_id, rows_for(article_id, text, result)))
        except Exception as exc:  # noqa: BLE001 - this article fails alone, with its reason
            outcomes.append((article_id, TagFailure(article_id, describe(exc))))
    return outcomes


def work(jobs: list[tuple]) -> tuple[list[Outcome], float, float]:
    """Extract, then tag, a few articles; returns their outcomes and the CPU seconds of each."""
    return _extract_and_tag(_tagger, jobs, _limits)


def tag_work(items: list[tuple[int, str]]
             ) -> tuple[list[tuple[int, TagRows | TagFailure]], float, float]:
    """Tag a few stored texts, (id, text); returns (id, rows or None) and the CPU seconds."""
    return _tag_only(_tagger, items, _limits)


class Workers:
    """The executor of the pipeline's CPU work: worker processes (or, with one process, this
    one), each holding one loaded tagger, that extract and tag articles or tag stored texts."""

    def __init__(self, processes: int, *, tag: bool = True, tagger: Tagger | None = None,
                 limits: PageLimits | None = None) -> None:
        self.processes = max(1, processes) if tagger is None else 1
        self.tag = tag
        self.limits = limits or PageLimits()
        self.pool: ProcessPoolExecutor | None = None
        self._tagger: Tagger | None = None
        self._warm: list[Future] = []
        if self.processes > 1:
            # Forked from a fork server (a fresh single-threaded process, never from this one,
            # which runs threads and holds database connections) that has loaded the tagger
            # (see :func:`preload`): the workers share its memory.
            # (also arms the fork server's own exit with the main process)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["etl.stages.preload"])
            self.pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_init_worker,
                initargs=(tag, self.limits))
            # one call per process starts them all now: loading overlaps polling and fetching
            self._warm = [self.pool.submit(_tagger_state) for _ in range(self.processes)]
        elif tag:
            # inline: this is the main process, which must not arm exits
            self._tagger = tagger if tagger is not None else _current_tagger()

    def tagger_state(self) -> tuple[str, str, str | None]:
        """(version, mode, warning) of the workers' tagger: ``gazetteer-only`` if any lacks
        the model."""
        states = [f.result() for f in self._warm] if self.pool else [_tagger_state(self._tagger)]
        gazetteer = [s for s in states if s[1] and s[1] != "model"]
        return gazetteer[0] if gazetteer else states[0]

    def tag_version(self) -> TagVersion:
        version, mode, _ = self.tagger_state()
        return TagVersion(version, mode)

    def _submit(self, fn, inline, items: list) -> Future:
        if self.pool is not None:
            return self.pool.submit(fn, items)
        done: Future = Future()
        done.set_result(inline(self._tagger, items))
        return done

    def submit(self, jobs: list[tuple]) -> Future:
        """Extract and tag these :func:`etl.stages.extract.load_jobs` jobs."""
        return self._submit(work, partial(_extract_and_tag, limits=self.limits), jobs)

    def submit_tags(self, items: list[tuple[int, str, datetime | None]]) -> Future:
        """Tag these (id, stored text, published_at) triples."""
        if not self.tag:
            raise RuntimeError("these workers were started without a tagger")
        return self._submit(tag_work, partial(_tag_only, limits=self.limits), items)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _in_flight_loop(next_batch: Callable[[], tuple[list[int], list[Future]] | None],
                    finish: Callable[[list[int], list[Future]], None],
                    fetch_done: threading.Event | None) -> None:
    """Keep :data:`IN_FLIGHT` claimed batches with the workers; finish them in claim order.

    Ends when nothing is left to claim, or, given ``fetch_done``, once fetching has ended and
    nothing is left to claim.
    """
    in_flight: deque[tuple[list[int], list[Future]]] = deque()
    while True:
        # read before claiming: once fetching has ended, one empty claim means all is done
        fetching = fetch_done is not None and not fetch_done.is_set()
        while len(in_flight) < IN_FLIGHT and (batch := next_batch()):
            in_flight.append(batch)
        if not in_flight:
            if not fetching:
                return
            fetch_done.wait(IDLE_WAIT_S)
            continue
        finish(*in_flight.popleft())


def _sub_batches(items: list, submit: Callable[[list], Future]) -> list[Future]:
    return [submit(items[i:i + SUB_BATCH]) for i in range(0, len(items), SUB_BATCH)]


def process_pending(
    conn, settings: Settings, workers: Workers, reporter: Reporter | None = None, *,
    fetch_done: threading.Event | None = None,
    after_batch: Callable[[], int] | None = None,
    shard: Shard | None = None,
) -> ProcessStats:
    """Extract and tag every fetched article (and failed ones whose back-off expired).

    ``after_batch`` runs in this process after each stored batch, while the workers go on
    with the next one (the pipeline clusters stories there); it returns a count. ``shard``
    takes only that shard's articles (an Airflow mapped task).
    """
    reporter = reporter or NullReporter()
    stats = ProcessStats()
    since = db_now(conn)
    reporter.start("extract", queue.pending_count(conn, "extract", since, shard)
                   if fetch_done is None else None)

    def next_batch():
        batch = claim(conn, "extract", settings, settings.batch_size, since, shard)
        if not batch:
            return None
        return [c.id for c in batch], _sub_batches(load_jobs(conn, [c.id for c in batch]),
                                                   workers.submit)

    def finish(ids, futures):
        _finish_batch(conn, settings, ids, futures, stats, reporter)
        if after_batch is not None:
            stats.after_count += after_batch()

    _in_flight_loop(next_batch, finish, fetch_done)
    reporter.finish("extract")
    if workers.tag:
        _version, stats.tagger_mode, stats.tagger_warning = workers.tagger_state()
    return stats


def _finish_batch(conn, settings: Settings, ids: list[int], futures: list[Future],
                  stats: ProcessStats, reporter: Reporter) -> None:
    done: list[tuple[int, Extracted]] = []
    tagged: list[TagRows] = []
    tag_failed: list[TagFailure] = []
    failures: list[Failure] = []
    seen: set[int] = set()
    for future in futures:
        outcomes, extract_s, tag_s = future.result()
        stats.times.extract_s += extract_s
        stats.times.tag_s += tag_s
        for article_id, extracted, error, tags in outcomes:
            seen.add(article_id)
            if extracted is None:
                # deterministic on the same bytes: not retried automatically
                failures.append(Failure(article_id, error or "unknown", retry=False))
                log.warning("article %s: extraction failed: %s", article_id, error)
                continue
            done.append((article_id, extracted))
            if isinstance(tags, TagFailure):
                tag_failed.append(tags)
            elif tags is not None:
                tagged.append(tags)
        reporter.advance("extract", len(outcomes))
    failures += [Failure(i, "no stored HTML", retry=False) for i in set(ids) - seen]
    started = time.perf_counter()
    refused = {f.article_id for f in store_extracted(conn, settings, done, failures)}
    tagged = [t for t in tagged if t.article[0] not in refused]  # no tags for text not stored
    refused_tags = store_rows(conn, tagged, settings.lease_s)
    _store_tag_failures(conn, settings, [f for f in tag_failed if f.article_id not in refused])
    stats.store_s += time.perf_counter() - started
    stats.extracted += len(done) - len(refused)
    stats.failed += len(failures) + len(refused)
    stats.tagged += len(tagged) - len(refused_tags)


def _store_tag_failures(conn, settings: Settings, failed: list[TagFailure]) -> None:
    store_failures(conn, [(f.article_id, f.reason) for f in failed],
                   settings.retry_base_s, settings.max_backoff_s)


def tag_pending(
    conn, settings: Settings, reporter: Reporter | None = None, *,
    workers: Workers | None = None, tagger: Tagger | None = None, retag_all: bool = False,
    shard: Shard | None = None, processes: int | None = None,
) -> TagStats:
    """Tag every extracted article whose tags are missing or stale, from its stored text.

    These are articles whose tagging failed, that were tagged with another tag version or
    gazetteer-only while the model is there, or every one with ``retag_all``. ``workers`` (of
    :func:`process_pending`, so no second tagger is loaded) or ``tagger`` (inline) do the
    tagging; with neither, ``processes`` workers (default ``settings.processes``) are started
    only if some article may need tagging.
    """
    if workers is None:
        from etl.tagging.version import tag_version

        if tagger is None and not queue.tagging_waiting(
                conn, tag_version(), retag_all=retag_all, shard=shard):
            return TagStats(mode="idle")  # the tagger was not needed, nor loaded
        with Workers(processes or settings.processes, tagger=tagger,
                     limits=PageLimits.from_settings(settings)) as own:
            return tag_pending(conn, settings, reporter, workers=own, retag_all=retag_all,
                               shard=shard)
    reporter = reporter or NullReporter()
    _version, mode, warning = workers.tagger_state()
    stats = TagStats(mode=mode, warning=warning)
    if warning:
        log.warning("tagging: %s", warning)
    tags = workers.tag_version()
    since = db_now(conn)
    reporter.start("tag", queue.tag_pending_count(conn, tags, since, retag_all=retag_all,
                                                  shard=shard))

    def next_batch():
        batch = claim_tagging(conn, tags, settings, since, retag_all=retag_all, shard=shard)
        if not batch:
            return None
        return [item[0] for item in batch], _sub_batches(batch, workers.submit_tags)

    def finish(ids, futures):
        done, failed = [], []
        for future in futures:
            outcomes, _extract_s, _tag_s = future.result()
            done += [rows for _i, rows in outcomes if isinstance(rows, TagRows)]
            failed += [rows for _i, rows in outcomes if isinstance(rows, TagFailure)]
        refused = store_rows(conn, done, settings.lease_s)
        _store_tag_failures(conn, settings, failed)
        stats.tagged += len(done) - len(refused)
        reporter.advance("tag", len(ids))

    _in_flight_loop(next_batch, finish, None)
    reporter.finish("tag")
    return stats
