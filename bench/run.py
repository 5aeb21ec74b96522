"""End-to-end throughput benchmark: ``make bench`` (``python -m bench.run``).

Serves the Zyte benchmark pages (``../shared/corpus/extraction/zyte``, repeated under distinct
URLs) and feeds listing them from a local HTTP server, runs the whole pipeline into a fresh
embedded PostgreSQL, and prints, measured in the same run:

- the baseline: a plain single-process loop of ``trafilatura.extract`` plus the tagger over the
  same pages (no HTTP, no database), per page, scaled to the number of articles;
- the pipeline's wall time, articles per second and the ratio to the baseline;
- time per stage, rows loaded per second, peak memory;
- a second pass over the unchanged feeds: its time as a fraction of the first, pages fetched;
- a last line ``articles_per_s=... ratio_to_baseline=... repoll_fraction=... peak_rss_mb=...``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from etl.site import Site

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("NEWSMON_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


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


def peak_rss_mb() -> float:
    """Peak RSS of this process (polling, fetching, tagging, loading), in MB.

    VmHWM, not ru_maxrss: children's ru_maxrss starts at the parent's size when they are
    forked, so the extraction workers cannot be measured that way; they hold no model.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_pages(limit: int | None = None) -> dict[str, bytes]:
    zyte = corpus_dir() / "extraction" / "zyte"
    keys = sorted(json.loads((zyte / "ground-truth.json").read_text()))[:limit]
    return {k: gzip.decompress((zyte / "html" / f"{k}.html.gz").read_bytes()) for k in keys}


def baseline(pages: dict[str, bytes], sample: int) -> tuple[float, float, float]:
    """(seconds per page for extract + tag, of which extract, tagger load seconds)."""
    from trafilatura import extract

    from etl.tagstage import get_tagger

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--baseline-pages", type=int, default=181,
                        help="pages timed for the baseline (scaled to --articles)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="extraction processes (NEWSMON_EXTRACT_PROCESSES)")
    args = parser.parse_args(argv)
    if not (corpus_dir() / "extraction" / "zyte" / "ground-truth.json").is_file():
        print(f"corpus not found at {corpus_dir()} (set NEWSMON_CORPUS_DIR)", file=sys.stderr)
        return 2

    from etl.embedded import EmbeddedPostgres
    from etl.pipeline import run
    from etl.settings import Settings

    pages = load_pages()
    per_page, extract_per_page, load_s = baseline(pages, args.baseline_pages)
    baseline_s = per_page * args.articles
    print(f"baseline (one process, no HTTP, no database): extract {extract_per_page * 1e3:.1f} "
          f"ms + tag {(per_page - extract_per_page) * 1e3:.1f} ms per page "
          f"(tagger load {load_s:.1f} s, not counted) -> {baseline_s:.1f} s "
          f"for {args.articles} articles")

    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        url = server.url()
        site, paths = build_site(pages, args.articles, args.feeds)
        try:
            with site:
                feeds = Path(tmp) / "feeds.yaml"
                feeds.write_text("feeds:\n" + "".join(
                    f'  - url: "{site.url(f"/feed/{f}.xml")}"\n' for f in range(args.feeds)))
                settings = replace(
                    Settings.from_env(), database_url=url, home=Path(tmp),
                    allow_private_networks=True, workers=16, per_host=16, batch_size=200,
                    extract_processes=args.processes,
                )
                timer = StageTimer()
                started = time.monotonic()
                first = run(settings, feeds, reporter=timer)
                wall = time.monotonic() - started
                hits = len(site.requests)
                started = time.monotonic()
                second = run(settings, feeds, all_feeds=True)
                repoll = time.monotonic() - started
                refetched = sum(1 for p, _ in site.requests[hits:] if p.startswith("/z/"))
        finally:
            server.stop()
    done = min(first.articles_extracted, first.articles_tagged)
    rate = done / wall
    print(f"pipeline: {wall:.1f} s wall for {done} articles extracted and tagged "
          f"({rate:.1f} articles/s); ratio to baseline {wall / baseline_s:.2f}")
    for stage in ("poll", "fetch", "extract", "tag", "cluster"):
        seconds = timer.seconds.get(stage, 0.0)
        items = timer.items.get(stage, 0)
        per = f", {items / seconds:.1f} rows/s" if seconds and items else ""
        print(f"  {stage:<8} {seconds:7.1f} s  {items:6d} items{per}")
    print(f"second pass over unchanged feeds: {repoll:.2f} s ({repoll / wall:.1%} of the first), "
          f"{second.feeds_not_modified} feeds 304, {refetched} pages fetched")
    rss = peak_rss_mb()
    print(f"peak memory: {rss:.0f} MB (the pipeline's main process, which holds the tagger)")
    print(f"articles_per_s={rate:.2f} ratio_to_baseline={wall / baseline_s:.3f} "
          f"repoll_fraction={repoll / wall:.4f} peak_rss_mb={rss:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
