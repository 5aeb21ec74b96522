"""Fetch article pages: claim new articles, GET them concurrently, store the raw bytes.

Links come from strangers' feeds, so each one goes through the private-network guard and the
size/time caps of :mod:`etl.web.http`. Non-HTML (PDF, images, binaries) is ``skipped`` with the
reason.
Raw bytes are stored gzip-compressed in ``article_html`` so extraction and tagging can be re-run
without fetching again.
"""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from dataclasses import dataclass, field

from etl.errors import FetchError, NotHTML
from etl.settings import Settings
from etl.stages.progress import NullReporter, Reporter
from etl.store import values
from etl.store.db import execute_values, transaction
from etl.store.queue import (
    RELEASED,
    Claimed,
    Failure,
    Shard,
    claim,
    db_now,
    failure_for,
    pending_count,
    record_failures,
)
from etl.web.concurrency import run_per_host
from etl.web.http import HttpClient

log = logging.getLogger(__name__)

# Stored pages: level 3 costs 1.6 ms for a 170 KB page, level 6 3.6 ms for 10% fewer bytes
# (measured on the Zyte pages); the raw HTML is pruned after a while anyway.
GZIP_LEVEL = 3
FLUSH_EVERY = 20  # results stored together at most (one transaction each)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml", ""}
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"ID3", b"RIFF", b"OggS", b"\x7fELF", b"MZ")


@dataclass(frozen=True)
class Page:
    article_id: int
    final_url: str
    http_status: int
    content_type: str
    charset: str | None
    content: bytes


@dataclass
class FetchStats:
    fetched: int = 0
    failed: int = 0
    skipped: int = 0


def looks_like_html(content: bytes) -> bool:
    head = content[:1024].lstrip()
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        return False
    # NUL bytes mean binary, unless the page is UTF-16 (with a byte-order mark)
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in content[:1024]


def fetch_page(client: HttpClient, settings: Settings, item: Claimed) -> Page:
    response = client.get(
        item.url, max_bytes=settings.max_page_bytes, accept=PAGE_ACCEPT, check_address=True
    )
    media_type = response.media_type
    if media_type not in HTML_TYPES or not looks_like_html(response.content):
        raise NotHTML(f"not an HTML page ({media_type or 'unknown type'})", status=response.status)
    return Page(
        article_id=item.id,
        final_url=response.url,
        http_status=response.status,
        content_type=media_type or "text/html",
        charset=response.charset,
        content=response.content,
    )


def _store(conn, settings: Settings, pages: list[Page], failures: list[Failure],
           skipped: list[tuple[int, str, int | None]]) -> None:
    with transaction(conn) as cur:
        if pages:
            execute_values(
                cur,
                """INSERT INTO article_html (article_id, encoding, raw_bytes, html_gz)
                   VALUES %s ON CONFLICT (article_id) DO UPDATE SET
                       fetched_at = now(), encoding = EXCLUDED.encoding,
                       raw_bytes = EXCLUDED.raw_bytes, html_gz = EXCLUDED.html_gz""",
                [
                    (p.article_id, values.text(p.charset, 100), len(p.content),
                     gzip.compress(p.content, GZIP_LEVEL))
                    for p in pages
                ],
            )
            execute_values(
                cur,
                f"""UPDATE articles a SET status = 'fetched', final_url = v.final_url,
                       http_status = v.http_status, content_type = v.content_type,
                       fetched_at = now(), attempts = 0, error_stage = NULL, last_error = NULL,
                       next_attempt_at = NULL, {RELEASED}, updated_at = now()
                   FROM (VALUES %s) AS v(id, final_url, http_status, content_type)
                   WHERE a.id = v.id""",  # noqa: S608 - constant fragment
                [(p.article_id, values.text(p.final_url), p.http_status,
                  values.text(p.content_type, 200)) for p in pages],
                template="(%s::bigint, %s::text, %s::int, %s::text)",
            )
        if skipped:
            execute_values(
                cur,
                f"""UPDATE articles a SET status = 'skipped', last_error = v.reason,
                       http_status = v.http_status, fetched_at = now(), {RELEASED},
                       next_attempt_at = NULL, updated_at = now()
                   FROM (VALUES %s) AS v(id, reason, http_status)
                   WHERE a.id = v.id""",  # noqa: S608 - constant fragment
                [(i, values.text(reason, 1000), status) for i, reason, status in skipped],
                template="(%s::bigint, %s::text, %s::int)",
            )
        record_failures(cur, "fetch", failures, settings)


@dataclass
class _Results:
    """Fetch outcomes not yet stored."""

    pages: list[Page] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[tuple[int, str, int | None]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pages) + len(self.failures) + len(self.skipped)

    def store(self, conn, settings: Settings, stats: FetchStats) -> None:
        if not len(self):
            return
        _store(conn, settings, self.pages, self.failures, self.skipped)
        stats.fetched += len(self.pages)
        stats.failed += len(self.failures)
        stats.skipped += len(self.skipped)
        self.pages.clear()
        self.failures.clear()
        self.skipped.clear()


def fetch_pending(
    conn, settings: Settings, client: HttpClient, reporter: Reporter | None = None,
    shard: Shard | None = None,
) -> FetchStats:
    """Fetch every article ready for fetching (new, or failed with its back-off expired).

    ``shard``: only the articles of that shard (Airflow maps ``n`` of these in parallel; with a
    shard by host, each host stays with one of them).
    """
    reporter = reporter or NullReporter()
    stats = FetchStats()
    since = db_now(conn)
    reporter.start("fetch", pending_count(conn, "fetch", since, shard))
    results = _Results()
    pages, failures, skipped = results.pages, results.failures, results.skipped
    left: Counter[str] = Counter()  # pages of each host still being fetched

    def more(busy: set[str] = frozenset()) -> list[Claimed]:
        # the next batch as soon as a worker would idle, of hosts not busy: a slow outlet
        # holds neither the others' pages nor their next links (issue 20)
        batch = claim(conn, "fetch", settings, settings.batch_size, since, shard,
                      exclude_hosts=busy)
        left.update(c.host for c in batch)
        return batch

    for item, result in run_per_host(
        more(),
        lambda c: c.host,
        lambda c: fetch_page(client, settings, c),
        workers=settings.workers,
        per_host=settings.per_host,
        refill=more,
    ):
        if isinstance(result, Page):
            pages.append(result)
        elif isinstance(result, NotHTML):
            skipped.append((item.id, f"NotHTML: {result}", result.status))
        elif isinstance(result, FetchError):
            failures.append(failure_for(item.id, result))
            log.warning("article %s: %s", item.url, result)
        else:
            log.error("article %s: unexpected error", item.url, exc_info=result)
            failures.append(
                Failure(item.id, f"internal error: {type(result).__name__}: {result}", True)
            )
        reporter.advance("fetch")
        left[item.host] -= 1
        # stored as soon as a host is done (or every few pages), never when the batch's
        # slowest host is: a slow outlet must not hold the others' pages (issue 20)
        if not left[item.host] or len(results) >= FLUSH_EVERY:
            results.store(conn, settings, stats)
    results.store(conn, settings, stats)
    reporter.finish("fetch")
    return stats
