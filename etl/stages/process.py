"""Extract and tag fetched articles on every core, while fetching goes on.

Extraction (trafilatura, about 25 ms a page) and tagging (spaCy NER and the gazetteers, about
100 ms) are the pipeline's CPU work. :class:`Workers` starts ``NEWSMON_EXTRACT_PROCESSES``
processes that each load the tagger once (at start, while the main process polls and fetches)
and then extract *and* tag each article: the page's compressed bytes go in, the extracted text
and its tags come out, and nothing crosses a process boundary twice. The main process only
claims batches, reads their pages and stores results.

:func:`process_pending` keeps two claimed batches in flight, so the workers always have queued
work while the main process talks to the database. Given ``fetch_done``, it also takes articles
as a concurrent fetch stores them, and ends once fetching has ended and nothing is left to claim.

With one process everything runs inline in the calling process (tests, small machines). An
article whose tagging fails stays ``extracted`` and untagged; the tag stage picks it up later.
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

from etl.run.progress import NullReporter, Reporter
from etl.settings import Settings
from etl.stages.extract import Extracted, _extract_job, _load_jobs
from etl.stages.extract import _store as store_extracted
from etl.stages.tagstage import store as store_tags
from etl.store.db import transaction
from etl.store.queue import Failure, claim, db_now, pending_count
from etl.tagging.tagger import TagResult

log = logging.getLogger(__name__)
SUB_BATCH = 8        # articles per job sent to a worker: small, so the cores finish together
IN_FLIGHT = 2        # claimed batches being worked on at once
IDLE_WAIT_S = 0.25   # how long to wait for the fetcher when nothing is claimable

PR_SET_PDEATHSIG = 1  # linux/prctl.h

_tagger = None  # this worker's tagger (module state: one per process)

Outcome = tuple[int, Extracted | None, str | None, TagResult | None]


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
        from etl.stages.tagstage import get_tagger

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


def _init_worker(tag: bool) -> None:
    """Pool initializer: runs in each worker process, never in the main process."""
    _die_with_parent()
    _load_tagger(tag)


def _load_tagger(tag: bool) -> None:
    global _tagger
    if tag:
        from etl.stages.tagstage import get_tagger
        from etl.tagging.taxonomy import taxonomy_version

        _tagger = get_tagger()
        if _tagger.version != taxonomy_version():  # preloaded before the taxonomy changed
            get_tagger.cache_clear()
            _tagger = get_tagger()


def _tagger_state() -> tuple[str, str | None]:
    return (_tagger.mode, _tagger.warning) if _tagger is not None else ("", None)


def work(jobs: list[tuple]) -> tuple[list[Outcome], float, float]:
    """Extract, then tag, a few articles; returns their outcomes and the CPU seconds of each."""
    started = time.process_time()
    extracted = [_extract_job(job) for job in jobs]
    middle = time.process_time()
    tags: dict[int, TagResult] = {}
    ok = [(article_id, e) for article_id, e, _ in extracted if e is not None]
    if _tagger is not None and ok:
        try:
            results = _tagger.tag_many([e.text for _, e in ok],
                                       published=[e.published_at for _, e in ok])
            tags = {article_id: r for (article_id, _), r in zip(ok, results, strict=True)}
        except Exception:  # they stay extracted; the tag stage retries them
            log.exception("tagging failed for articles %s", [i for i, _ in ok])
    outcomes = [(article_id, e, err, tags.get(article_id)) for article_id, e, err in extracted]
    return outcomes, middle - started, time.process_time() - middle


class Workers:
    """The worker processes (or, with one process, this one), each holding a loaded tagger."""

    def __init__(self, processes: int, *, tag: bool = True) -> None:
        self.processes = max(1, processes)
        self.tag = tag
        self.pool: ProcessPoolExecutor | None = None
        self._warm: list[Future] = []
        if self.processes > 1:
            # Forked from a fork server (a fresh single-threaded process, never from this one,
            # which runs threads and holds database connections) that has loaded the tagger
            # (see :func:`preload`): the workers share its memory.
            # (also arms the fork server's own exit with the main process)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["etl.stages.preload"])
            self.pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_init_worker, initargs=(tag,))
            # one call per process starts them all now: loading overlaps polling and fetching
            self._warm = [self.pool.submit(_tagger_state) for _ in range(self.processes)]
        else:
            _load_tagger(tag)  # inline: this is the main process, which must not arm exits

    def tagger_state(self) -> tuple[str, str | None]:
        """(mode, warning) of the workers' tagger: ``gazetteer-only`` if any lacks the model."""
        states = [f.result() for f in self._warm] if self.pool else [_tagger_state()]
        gazetteer = [s for s in states if s[0] and s[0] != "model"]
        return gazetteer[0] if gazetteer else states[0]

    def submit(self, jobs: list[tuple]) -> Future:
        if self.pool is not None:
            return self.pool.submit(work, jobs)
        done: Future = Future()
        done.set_result(work(jobs))
        return done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def work_waiting(conn) -> bool:
    """Whether any article waits to be fetched or extracted (failed ones included)."""
    with transaction(conn) as cur:
        cur.execute("""SELECT EXISTS (SELECT 1 FROM articles
                        WHERE status IN ('new', 'fetched')
                           OR (status = 'failed' AND next_attempt_at <= now()))""")
        return cur.fetchone()[0]


def process_pending(
    conn, settings: Settings, workers: Workers, reporter: Reporter | None = None, *,
    fetch_done: threading.Event | None = None,
    after_batch: Callable[[], int] | None = None,
) -> ProcessStats:
    """Extract and tag every fetched article (and failed ones whose back-off expired).

    ``after_batch`` runs in this process after each stored batch, while the workers go on
    with the next one (the pipeline clusters stories there); it returns a count.
    """
    reporter = reporter or NullReporter()
    stats = ProcessStats()
    since = db_now(conn)
    reporter.start("extract", pending_count(conn, "extract", since) if fetch_done is None
                   else None)
    in_flight: deque[tuple[list[int], list[Future]]] = deque()
    while True:
        # read before claiming: once fetching has ended, one empty claim means all is done
        fetching = fetch_done is not None and not fetch_done.is_set()
        while len(in_flight) < IN_FLIGHT and (
            batch := claim(conn, "extract", settings, settings.batch_size, since)
        ):
            jobs = _load_jobs(conn, [c.id for c in batch])
            futures = [workers.submit(jobs[i:i + SUB_BATCH])
                       for i in range(0, len(jobs), SUB_BATCH)]
            in_flight.append(([c.id for c in batch], futures))
        if not in_flight:
            if not fetching:
                break
            fetch_done.wait(IDLE_WAIT_S)
            continue
        ids, futures = in_flight.popleft()
        _finish_batch(conn, settings, ids, futures, stats, reporter)
        if after_batch is not None:
            stats.after_count += after_batch()
    reporter.finish("extract")
    stats.tagger_mode, stats.tagger_warning = workers.tagger_state() if workers.tag else ("", None)
    return stats


def _finish_batch(conn, settings: Settings, ids: list[int], futures: list[Future],
                  stats: ProcessStats, reporter: Reporter) -> None:
    done: list[tuple[int, Extracted]] = []
    tagged: list[tuple[int, str, TagResult]] = []
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
            if tags is not None:
                tagged.append((article_id, extracted.text, tags))
        reporter.advance("extract", len(outcomes))
    failures += [Failure(i, "no stored HTML", retry=False) for i in set(ids) - seen]
    started = time.perf_counter()
    store_extracted(conn, settings, done, failures)
    store_tags(conn, tagged)
    stats.store_s += time.perf_counter() - started
    stats.extracted += len(done)
    stats.failed += len(failures)
    stats.tagged += len(tagged)
