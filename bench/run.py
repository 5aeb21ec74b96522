"""End-to-end throughput benchmark: ``make bench`` (``python -m bench.run``).

Serves the Zyte benchmark pages (``../shared/corpus/extraction/zyte``, repeated under distinct
URLs) and feeds listing them from a local HTTP server, runs the whole pipeline into a fresh
embedded PostgreSQL, and prints, measured in the same run:

- the baseline: a plain single-process loop of ``trafilatura.extract`` plus the tagger over the
  same pages (no HTTP, no database), per page, scaled to the number of articles;
- the pipeline's wall time, articles per second and the ratio to the baseline;
- time per stage (extraction and tagging as busy time of the workers, which overlap fetching;
  loading as the main process's time storing results), rows loaded per second, peak memory
  (summed PSS of the main process and the workers, sampled; the benchmark's own HTTP server and
  page store run in a process of their own, :class:`SiteProcess`, which is not counted);
- a second pass over the unchanged feeds: its time as a fraction of the first, pages fetched;
- a last line ``articles_per_s=... ratio_to_baseline=... repoll_fraction=... peak_rss_mb=...``
  (``--articles 2000,10000`` runs both sizes: the line is the last run's, memory the peak).
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from etl.settings import corpus_dir
from etl.web.site import Site

ROOT = Path(__file__).resolve().parent.parent


class StageTimer:
    """A progress reporter that records each stage's wall time."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.items: dict[str, int] = {}

    def start(self, stage: str, total: int | None) -> None:
        self.started[stage] = time.monotonic()
        self.items.setdefault(stage, 0)

    def advance(self, stage: str, n: int = 1) -> None:
        self.items[stage] = self.items.get(stage, 0) + n

    def finish(self, stage: str) -> None:
        elapsed = time.monotonic() - self.started.pop(stage)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak memory of this process and its children (the workers), sampled every 2 s.

    ``peak_total_mb`` is the peak of the summed PSS (shared pages counted once, split between
    the processes sharing them); ``peak_process_mb`` the largest single-process peak RSS
    (VmHWM). ru_maxrss would be wrong for the workers: a child's starts at its parent's.
    PostgreSQL is a separate server and not counted; nor are the processes of ``exclude`` (the
    benchmark's site) and their children.
    """

    def __init__(self, exclude: set[int] | None = None) -> None:
        super().__init__(daemon=True, name="bench-memory")
        self.stop = threading.Event()
        self.exclude = set(exclude or ())
        self.peak_total_kb = 0
        self.peak_process_kb: dict[int, int] = {}

    def pids(self) -> list[int]:
        """This process and its descendants, but the excluded ones and theirs."""
        excluded = self.exclude | {c for p in self.exclude for c in _children(p)}
        return [p for p in (os.getpid(), *_children(os.getpid())) if p not in excluded]

    def sample(self) -> None:
        pids = self.pids()
        self.peak_total_kb = max(self.peak_total_kb, sum(_pss_kb(p) for p in pids))
        for pid in pids:
            self.peak_process_kb[pid] = max(self.peak_process_kb.get(pid, 0),
                                            _status_kb(pid, "VmHWM"))

    def run(self) -> None:
        # Reading smaps_rollup makes the kernel walk every page of every process: at 5 per
        # second it cost a fifth of a core (py-spy). Every 2 s costs about 1%; memory is flat.
        while not self.stop.wait(2.0):
            self.sample()

    def finish(self) -> tuple[float, float]:
        self.stop.set()
        self.join()
        self.sample()
        self.processes = sorted(self.peak_process_kb.values(), reverse=True)
        return self.peak_total_kb / 1024, max(self.peak_process_kb.values()) / 1024


def load_pages(limit: int | None = None) -> dict[str, bytes]:
    zyte = corpus_dir() / "extraction" / "zyte"
    keys = sorted(json.loads((zyte / "ground-truth.json").read_text()))[:limit]
    return {k: gzip.decompress((zyte / "html" / f"{k}.html.gz").read_bytes()) for k in keys}


def baseline(pages: dict[str, bytes], sample: int) -> tuple[float, float, float]:
    """(seconds per page for extract + tag, of which extract, tagger load seconds).

    Runs in a child process (see :func:`measure_baseline`), so that its tagger is not counted
    in the pipeline's memory.
    """
    from trafilatura import extract

    from etl.stages.tagstage import get_tagger

    started = time.monotonic()
    tagger = get_tagger()
    load = time.monotonic() - started
    chosen = list(pages.values())[:sample]
    extract_s = tag_s = 0.0
    for html in chosen:
        t0 = time.monotonic()
        text = extract(html, include_comments=False) or ""
        t1 = time.monotonic()
        tagger.tag(text)
        extract_s += t1 - t0
        tag_s += time.monotonic() - t1
    n = len(chosen)
    return (extract_s + tag_s) / n, extract_s / n, load


def _baseline_child(sample: int, out) -> None:
    out.send(baseline(load_pages(), sample))
    out.close()


def measure_baseline(sample: int) -> tuple[float, float, float]:
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_baseline_child, args=(sample, sender), name="bench-baseline")
    child.start()
    result = receiver.recv()
    child.join()
    return result


def build_site(pages: dict[str, bytes], articles: int, feeds: int) -> tuple[Site, list[str]]:
    keys = list(pages)
    files: dict[str, bytes] = {}
    paths = []
    for i in range(articles):
        path = f"/z/{i // len(keys)}/{keys[i % len(keys)]}.html"
        files[path] = pages[keys[i % len(keys)]]
        paths.append(path)
    for f in range(feeds):
        items = "".join(
            f"<item><title>Article {i}</title><link>{{{{BASE_URL}}}}{p}</link>"
            f"<guid>{p}</guid></item>"
            for i, p in enumerate(paths) if i % feeds == f)
        files[f"/feed/{f}.xml"] = (f'<?xml version="1.0"?><rss version="2.0"><channel>'
                                   f"<title>Bench {f}</title>{items}</channel></rss>").encode()
    return Site(files=files), paths


def _serve_site(articles: int, feeds: int, conn) -> None:
    """:class:`SiteProcess`'s child: load the pages, serve them, answer questions until told
    to stop."""
    site, _paths = build_site(load_pages(), articles, feeds)
    with site:
        conn.send(site.base_url)
        while (command := conn.recv()) != "stop":
            name, *args = command
            if name == "requests":
                conn.send(len(site.requests))
            elif name == "fetched_since":
                start, prefix = args
                with site.lock:
                    conn.send(sum(1 for p, _ in site.requests[start:] if p.startswith(prefix)))


class SiteProcess:
    """The benchmark's news site (:func:`build_site`) in a process of its own.

    Its page store and HTTP server threads are the benchmark's, not the pipeline's: in the
    benchmark's own process they were counted in the pipeline's peak memory.
    """

    def __init__(self, articles: int, feeds: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve_site, args=(articles, feeds, child),
                                   name="bench-site", daemon=True)
        self.base_url = ""

    def __enter__(self) -> SiteProcess:
        self.process.start()
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str) -> str:
        return self.base_url + path

    def request_count(self) -> int:
        self._conn.send(("requests",))
        return self._conn.recv()

    def fetched_since(self, start: int, prefix: str) -> int:
        """Requests for paths under ``prefix`` after the first ``start`` requests."""
        self._conn.send(("fetched_since", start, prefix))
        return self._conn.recv()


ROW_TABLES = ("articles", "article_html", "article_tags", "article_keywords",
              "article_mentions", "article_places", "feed_polls")


def count_rows(url: str) -> int:
    from etl.store import db

    conn = db.connect(url)
    try:
        with db.transaction(conn) as cur:
            return sum(_count(cur, table) for table in ROW_TABLES)
    finally:
        conn.close()


def _count(cur, table: str) -> int:
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant table names
    return cur.fetchone()[0]


@dataclass
class Result:
    articles: int
    wall: float
    rate: float
    ratio: float
    repoll_fraction: float
    refetched: int
    peak_total_mb: float
    peak_process_mb: float


def run_once(articles: int, feeds_n: int, processes: int, baseline_s: float) -> Result:
    """One pipeline run over ``articles`` pages into a fresh database, printed as it goes."""
    from etl.run.pipeline import run
    from etl.settings import Settings
    from etl.store.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        url = server.url()
        site = SiteProcess(articles, feeds_n)
        try:
            with site:
                feeds = Path(tmp) / "feeds.yaml"
                feeds.write_text("feeds:\n" + "".join(
                    f'  - url: "{site.url(f"/feed/{f}.xml")}"\n' for f in range(feeds_n)))
                settings = replace(
                    Settings.from_env(), database_url=url, home=Path(tmp),
                    allow_private_networks=True, workers=16, per_host=16, batch_size=200,
                    extract_processes=processes,
                )
                timer = StageTimer()
                memory = MemorySampler(exclude={site.pid})
                memory.start()
                started = time.monotonic()
                first = run(settings, feeds, reporter=timer)
                wall = time.monotonic() - started
                peak_total, peak_process = memory.finish()
                rows = count_rows(url)
                hits = site.request_count()
                started = time.monotonic()
                second = run(settings, feeds, all_feeds=True)
                repoll = time.monotonic() - started
                refetched = site.fetched_since(hits, "/z/")
        finally:
            server.stop()
    done = min(first.articles_extracted, first.articles_tagged)
    rate = done / wall
    print(f"pipeline, {articles} articles: {wall:.1f} s wall, {done} extracted and tagged "
          f"({rate:.2f} articles/s); ratio to baseline {wall / baseline_s:.3f} "
          f"({processes} processes)")
    stats = first.stats
    busy = stats.times if stats else None
    lines = [
        ("poll", timer.seconds.get("poll", 0.0), "wall, main process"),
        ("fetch", timer.seconds.get("fetch", 0.0), "wall, threads; overlaps extract and tag"),
        ("extract", busy.extract_s if busy else 0.0, "CPU time summed over the workers"),
        ("tag", busy.tag_s if busy else 0.0, "CPU time summed over the workers"),
        ("load", stats.store_s if stats else 0.0,
         f"main process storing results; {rows} rows in all, {rows / wall:.0f} rows/s of wall"),
        ("cluster", timer.seconds.get("cluster", 0.0),
         "main process, batch by batch while the workers go on, then the rest"),
    ]
    for stage, seconds, note in lines:
        per = f"{seconds / done * 1e3:6.1f} ms/article" if done else ""
        print(f"  {stage:<8} {seconds:7.1f} s  {per}  ({note})")
    print(f"  second pass over unchanged feeds: {repoll:.2f} s ({repoll / wall:.1%} of the "
          f"first), {second.feeds_not_modified} feeds 304, {refetched} pages fetched")
    print(f"  peak memory: {peak_total:.0f} MB summed PSS of the pipeline's processes (main and "
          f"workers); peak RSS per process: "
          f"{', '.join(f'{kb / 1024:.0f}' for kb in memory.processes)} MB")
    return Result(articles, wall, rate, wall / baseline_s, repoll / wall, refetched,
                  peak_total, peak_process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="2000",
                        help="articles per run; several, comma-separated, run one after the "
                             "other into fresh databases (e.g. 2000,10000)")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--baseline-pages", type=int, default=181,
                        help="pages timed for the baseline (scaled to --articles)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="extraction and tagging processes (NEWSMON_EXTRACT_PROCESSES)")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in str(args.articles).split(",") if n.strip()]
    if not (corpus_dir() / "extraction" / "zyte" / "ground-truth.json").is_file():
        print(f"corpus not found at {corpus_dir()} (set NEWSMON_CORPUS_DIR)", file=sys.stderr)
        return 2

    pages = len(json.loads(
        (corpus_dir() / "extraction" / "zyte" / "ground-truth.json").read_text()))
    per_page, extract_per_page, load_s = measure_baseline(args.baseline_pages)
    print(f"baseline (one process, no HTTP, no database): extract {extract_per_page * 1e3:.1f} "
          f"ms + tag {(per_page - extract_per_page) * 1e3:.1f} ms = {per_page * 1e3:.1f} ms per "
          f"page over {min(args.baseline_pages, pages)} pages (tagger load {load_s:.1f} s, "
          f"not counted)")
    results = []
    for articles in sizes:
        baseline_s = per_page * articles
        print(f"baseline for {articles} articles: {baseline_s:.1f} s")
        results.append(run_once(articles, args.feeds, args.processes, baseline_s))
    last = results[-1]
    if len(results) > 1:
        print("memory as the corpus grows: " + ", ".join(
            f"{r.articles} articles {r.peak_total_mb:.0f} MB" for r in results))
    print(f"articles_per_s={last.rate:.2f} ratio_to_baseline={last.ratio:.3f} "
          f"repoll_fraction={last.repoll_fraction:.4f} "
          f"peak_rss_mb={max(r.peak_total_mb for r in results):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
