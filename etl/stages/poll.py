"""Feeds: sync the configured list into ``feeds``, poll due feeds, discover articles.

Polling is a conditional GET by our HTTP client (ETag / Last-Modified kept on ``feeds``); an
unchanged feed costs one 304 and no parsing. The body and headers go to ``feedparser.parse``. A
feed flagged ``bozo`` that still has entries is used (with the warning recorded); one without
entries is a failure. Every poll becomes a ``feed_polls`` row and updates the feed's state in the
same transaction; failures back off exponentially up to a cap and are never dropped.
"""

from __future__ import annotations

import calendar
import html
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from etl.errors import FetchError, ParseError, TemporaryError
from etl.settings import Settings
from etl.stages.doctype import neutralise_doctype  # entity declarations never reach a parser
from etl.stages.feedlist import FeedList
from etl.stages.progress import NullReporter, Reporter
from etl.stages.rawfields import MAX_FIELD_BYTES, empty_long_fields
from etl.store import values
from etl.store.db import execute_values, transaction
from etl.store.queue import FEED_DUE, POLL_RELEASED, claim_feeds
from etl.store.rowwise import write_each
from etl.web.concurrency import run_per_host
from etl.web.http import HttpClient, Response
from etl.web.urls import BadURL, canonical_url, host_of

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
# [^<>]: a tag ends before the next "<", so that a field of "<a <a <a ..." costs linear time
# (with [^>] every "<" scanned to the field's end: 480 KB took 14 s; issue 20)
_TAG = re.compile(r"<[^<>]+>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
MAX_TEXT = 5000
# a raw field is cut to this many times its stored limit before any markup is stripped: what
# the stripping costs never grows with the raw field (markup rarely triples a title's length)
RAW_FACTOR = 8


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    poll_interval_s: int | None


@dataclass(frozen=True)
class Entry:
    """One usable feed entry, reduced to what we store."""

    url: str
    link: str
    entry_id: str | None
    title: str | None
    summary: str | None
    published_at: datetime | None


@dataclass
class PollResult:
    """What one poll produced, before it is written."""

    feed: FeedRow
    started_at: datetime
    duration_ms: int
    response: Response | None = None
    entries: list[Entry] = field(default_factory=list)
    entries_seen: int = 0
    entries_unusable: int = 0
    feed_title: str | None = None
    site_url: str | None = None
    warning: str | None = None
    error: FetchError | None = None
    unusable_reasons: list[str] = field(default_factory=list)  # why entries were dropped


@dataclass(frozen=True)
class PollOutcome:
    """Summary of one poll, as written to ``feed_polls``."""

    feed_id: int
    url: str
    outcome: str  # "ok" | "not_modified" | "failed"
    http_status: int | None
    entries_seen: int
    new_articles: int
    error: str | None


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    deactivated: int
    active: int
    skipped: int = 0  # feeds the database refused (reasons added to the list's problems)


# -- feed list ------------------------------------------------------------------------------


def sync_feeds(conn, feed_list: FeedList) -> SyncResult:
    """Make ``feeds`` match the list: add new ones, update titles/tags, deactivate the rest.

    A feed the database refuses is skipped (its reason appended to ``feed_list.problems``) and
    the others are synced; a skipped feed already in ``feeds`` keeps its row as it was.
    """
    rows = [(f.url, f.title, f.language, list(f.tags)) for f in feed_list.feeds]

    def upsert(cur, batch: list[tuple]) -> list[tuple]:
        return execute_values(
            cur,
            """INSERT INTO feeds (url, title, language, tags)
               VALUES %s
               ON CONFLICT (url) DO UPDATE SET
                   title = COALESCE(EXCLUDED.title, feeds.feed_title),
                   language = EXCLUDED.language, tags = EXCLUDED.tags, active = true,
                   updated_at = now()
               WHERE (feeds.title, feeds.language, feeds.tags, feeds.active)
                     IS DISTINCT FROM
                     (COALESCE(EXCLUDED.title, feeds.feed_title), EXCLUDED.language,
                      EXCLUDED.tags, true)
               RETURNING url""",
            batch,
            template="(%s, %s, %s, %s::text[])",
            fetch=True,
        )

    with transaction(conn) as cur:
        cur.execute("SELECT url FROM feeds")
        existing = {r[0] for r in cur.fetchall()}
        written = write_each(cur, rows, upsert, "newsmon_sync")
        updated = sum(1 for result in written.results for (url,) in result if url in existing)
        refused = {row[0] for row, _ in written.failed}
        for row, reason in written.failed:
            message = f"feed {row[0][:120]!r}: skipped (the database refused it: {reason})"
            log.warning("feed list %s", message)
            feed_list.problems.append(message)
        # a refused feed already known stays as it was (not deactivated for a bad edit)
        cur.execute(
            "UPDATE feeds SET active = false, updated_at = now() "
            "WHERE active AND NOT (url = ANY(%s))",
            ([f.url for f in feed_list.feeds],),
        )
        deactivated = cur.rowcount
    added = sum(1 for f in feed_list.feeds if f.url not in existing and f.url not in refused)
    return SyncResult(added, updated, deactivated, len(rows) - len(refused), len(refused))


_DUE = FEED_DUE  # active feeds whose next poll has come (see etl.store.queue)


def list_due_feeds(conn, *, all_feeds: bool = False) -> list[FeedRow]:
    """The feeds :func:`due_feeds` would claim now, without claiming them (for planning)."""
    with transaction(conn) as cur:
        cur.execute(
            f"""SELECT id, url, etag, last_modified, consecutive_failures, poll_interval_s
                FROM feeds WHERE {_DUE}
                ORDER BY next_poll_at NULLS FIRST, id""",  # noqa: S608 - constant fragment
            {"all": all_feeds},
        )
        return [FeedRow(*row) for row in cur.fetchall()]


def due_feeds(
    conn, *, all_feeds: bool = False, lease_s: int = 600, feed_ids: Sequence[int] | None = None
) -> list[FeedRow]:
    """Claim active feeds whose ``next_poll_at`` has come (all active ones with ``all_feeds``).

    Claimed feeds get a poll lease, so a concurrent run skips them; ``feed_ids`` restricts the
    claim to those feeds (a batch of an Airflow map). The claim is :func:`etl.store.queue.
    claim_feeds`.
    """
    rows = claim_feeds(conn, all_feeds=all_feeds, lease_s=lease_s, feed_ids=feed_ids)
    return [FeedRow(*row) for row in rows]


# -- parsing --------------------------------------------------------------------------------


def plain_text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    """Sanitised feed HTML reduced to plain text (stored fields never carry markup)."""
    if not value:
        return None
    text = value[:limit * RAW_FACTOR]
    # Unescaping can reveal markup (``&lt;script&gt;``): strip until nothing tag-like is left.
    for _ in range(4):
        stripped = html.unescape(_TAG.sub(" ", text))
        if stripped == text:
            break
        text = stripped
    text = _TAG_START.sub(" ", text)  # a lone "<script" left by broken markup
    text = " ".join(text.split())
    return values.text(text, limit)


def _entry_time(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, TypeError, OSError):
                continue
            # Before 1990 or after tomorrow: a broken feed, not news (values.published).
            return values.published(when)
    return None


def parse_feed(content: bytes, headers: dict[str, str], base_url: str) -> PollResult:
    """Parse feed bytes; the result has ``entries`` (deduplicated by canonical URL)."""
    # Relative links resolve against where we fetched the feed, never a header's claim.
    safe_headers = {k: v for k, v in headers.items() if k != "content-location"}
    safe_headers["content-location"] = base_url
    content = values.storable_charrefs(content)  # &#0; and &#xD800; would fail the feed
    # a field of megabytes would cost the parser's sanitiser seconds before any limit applies
    content, emptied = empty_long_fields(content)
    parsed = feedparser.parse(neutralise_doctype(content), response_headers=safe_headers)
    result = PollResult(feed=None, started_at=None, duration_ms=0)  # type: ignore[arg-type]
    result.entries_seen = len(parsed.entries)
    if emptied:
        result.warning = (f"{emptied} text field(s) over {MAX_FIELD_BYTES // 1024} KB "
                          "emptied before parsing")
    if parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        message = f"{type(reason).__name__}: {reason}" if reason else "malformed feed"
        if not parsed.entries:
            raise ParseError(f"not a readable feed ({message[:300]})")
        result.warning = values.text(message + (f"; {result.warning}" if result.warning
                                                else ""), 500)
    elif not parsed.get("version") and not parsed.entries:
        # well-formed, but neither RSS nor Atom (an HTML page, an empty body)
        raise ParseError("not a feed (no RSS/Atom/RDF document found)")
    result.feed_title = plain_text(parsed.feed.get("title"), 500)
    site_url = parsed.feed.get("link") or ""
    is_web = site_url.lower().startswith(("http://", "https://"))
    result.site_url = values.text(site_url, 2048) if is_web else None
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link")
        if not link and entry.get("guidislink"):
            link = entry.get("id")
        try:
            url = values.check_url(canonical_url(values.text(link) or "", base_url))
        except (BadURL, values.Unstorable) as exc:
            result.entries_unusable += 1
            result.unusable_reasons.append(str(exc))
            continue
        if url in seen:
            continue
        seen.add(url)
        result.entries.append(
            Entry(
                url=url,
                link=values.text(link, 2048) or url,
                entry_id=values.text(entry.get("id") or None, 2048),
                title=plain_text(entry.get("title"), 1000),
                summary=plain_text(entry.get("summary")),
                published_at=_entry_time(entry),
            )
        )
    return result


# -- polling --------------------------------------------------------------------------------


def _poll_one(client: HttpClient, settings: Settings, feed: FeedRow) -> PollResult:
    started_at = datetime.now(UTC)
    t0 = time.monotonic()
    response = None
    try:
        response = client.get(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            max_bytes=settings.max_feed_bytes,
            accept=FEED_ACCEPT,
        )
        if response.not_modified:
            result = PollResult(feed, started_at, 0, response=response)
        else:
            result = parse_feed(response.content, response.headers, response.url)
            result.feed, result.started_at, result.response = feed, started_at, response
    except FetchError as exc:
        if exc.status is None and response is not None:
            exc.status = response.status  # e.g. a 200 whose body is not a feed
        result = PollResult(feed, started_at, 0, error=exc)
    result.duration_ms = int((time.monotonic() - t0) * 1000)
    return result


def backoff_seconds(settings: Settings, failures: int, interval: int) -> float:
    """Exponential back-off for a feed that failed ``failures`` times in a row, capped."""
    return float(min(interval * (2 ** max(0, failures - 1)), settings.max_backoff_s))


def _record(conn, settings: Settings, result: PollResult) -> PollOutcome:
    feed = result.feed
    interval = feed.poll_interval_s or settings.poll_interval_s
    resp = result.response
    with transaction(conn) as cur:
        if result.error is not None:
            err = result.error
            failures = feed.consecutive_failures + 1
            delay = backoff_seconds(settings, failures, interval)
            if isinstance(err, TemporaryError) and err.retry_after:
                delay = max(delay, min(err.retry_after, settings.max_backoff_s))
            message = values.text(f"{type(err).__name__}: {err}", 1000)
            cur.execute(
                """INSERT INTO feed_polls (feed_id, polled_at, http_status, duration_ms, error)
                   VALUES (%s, %s, %s, %s, %s)""",
                (feed.id, result.started_at, err.status, result.duration_ms, message),
            )
            cur.execute(
                f"""UPDATE feeds SET last_polled_at = %s, last_status = %s,
                       consecutive_failures = consecutive_failures + 1, last_error = %s,
                       next_poll_at = now() + make_interval(secs => %s),
                       {POLL_RELEASED}
                   WHERE id = %s""",  # noqa: S608 - constant fragment
                (result.started_at, err.status, message, delay, feed.id),
            )
            log.warning("feed %s failed: %s", feed.url, message)
            return PollOutcome(feed.id, feed.url, "failed", err.status, 0, 0, message)

        new_articles, refused = _store_entries(cur, feed.id, result.entries)
        warning = _warning(result.warning, result.unusable_reasons + refused)
        cur.execute(
            """INSERT INTO feed_polls (feed_id, polled_at, http_status, not_modified,
                   entries_seen, new_articles, duration_ms, bytes, warning, entries_unusable)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                feed.id, result.started_at, resp.status, resp.not_modified, result.entries_seen,
                new_articles, result.duration_ms, len(resp.content), warning,
                result.entries_unusable + len(refused),
            ),
        )
        cur.execute(
            f"""UPDATE feeds SET last_polled_at = %s, last_success_at = now(), last_status = %s,
                   consecutive_failures = 0, last_error = NULL,
                   etag = CASE WHEN %s THEN etag ELSE %s END,
                   last_modified = CASE WHEN %s THEN last_modified ELSE %s END,
                   redirected_to = %s,
                   feed_title = COALESCE(%s, feed_title), site_url = COALESCE(%s, site_url),
                   title = COALESCE(title, %s),
                   next_poll_at = now() + make_interval(secs => %s),
                   {POLL_RELEASED}
               WHERE id = %s""",  # noqa: S608 - constant fragment
            (
                result.started_at, resp.status,
                resp.not_modified, values.text(resp.headers.get("etag"), 1000),
                resp.not_modified, values.text(resp.headers.get("last-modified"), 1000),
                values.text(resp.permanent_redirect, 2048),
                result.feed_title, result.site_url, result.feed_title,
                interval, feed.id,
            ),
        )
    if warning:
        log.info("feed %s parsed with a warning: %s", feed.url, warning)
    return PollOutcome(
        feed.id, feed.url, "not_modified" if resp.not_modified else "ok", resp.status,
        result.entries_seen, new_articles, None,
    )


def _warning(parser: str | None, dropped: list[str]) -> str | None:
    """The poll's warning: the parser's, then why entries were not stored (each reason once)."""
    if not dropped:
        return parser
    reasons = "; ".join(dict.fromkeys(dropped))
    note = f"{len(dropped)} entries not stored: {reasons}"
    return values.text(f"{parser}; {note}" if parser else note, 1000)


def _store_entries(cur, feed_id: int, entries: Sequence[Entry]) -> tuple[int, list[str]]:
    """Insert new articles and link all entries to the feed.

    Returns how many articles were new, and why entries the database refused were not stored
    (the others are stored all the same; a refused entry is tried again at the next poll).
    """
    written = write_each(cur, entries, lambda c, rows: _insert_entries(c, feed_id, rows),
                         "newsmon_entries")
    for entry, reason in written.failed:
        log.warning("feed %s: entry %s not stored: %s", feed_id, entry.url[:200], reason)
    return sum(written.results), [f"{e.url[:120]}: {reason}" for e, reason in written.failed]


def _insert_entries(cur, feed_id: int, entries: list[Entry]) -> int:
    inserted = execute_values(
        cur,
        """INSERT INTO articles (url, host, discovered_url, feed_title, feed_summary,
                                 feed_published_at)
           VALUES %s ON CONFLICT (url) DO NOTHING RETURNING id, url""",
        [
            (e.url, host_of(e.url), e.link, e.title, e.summary, e.published_at)
            for e in entries
        ],
        fetch=True,
    )
    ids = dict((url, id_) for id_, url in inserted)
    missing = [e.url for e in entries if e.url not in ids]
    if missing:
        cur.execute("SELECT url, id FROM articles WHERE url = ANY(%s)", (missing,))
        ids.update(cur.fetchall())
    execute_values(
        cur,
        """INSERT INTO feed_articles (feed_id, article_id, entry_id, entry_url, entry_title,
                                      entry_published_at)
           VALUES %s ON CONFLICT (feed_id, article_id) DO NOTHING""",
        [
            (feed_id, ids[e.url], e.entry_id, e.link, e.title, e.published_at)
            for e in entries
            if e.url in ids
        ],
    )
    return len(inserted)


def poll_feeds(
    conn,
    settings: Settings,
    client: HttpClient,
    feeds: Sequence[FeedRow],
    reporter: Reporter | None = None,
) -> list[PollOutcome]:
    """Poll ``feeds`` concurrently (per-host limit) and record each result as it arrives."""
    reporter = reporter or NullReporter()
    reporter.start("poll", len(feeds))
    outcomes = []
    for feed, result in run_per_host(
        feeds,
        lambda f: host_of(f.url),
        lambda f: _poll_one(client, settings, f),
        workers=settings.workers,
        per_host=settings.per_host,
    ):
        if isinstance(result, BaseException):
            # A bug in parsing one feed must not stop the others: record it as that feed's error.
            log.exception("feed %s: unexpected error", feed.url, exc_info=result)
            result = PollResult(
                feed, datetime.now(UTC), 0,
                error=FetchError(f"internal error: {type(result).__name__}: {result}"),
            )
        try:
            outcome = _record(conn, settings, result)
        except Exception as exc:  # noqa: BLE001 - sorted by row_error, re-raised otherwise
            if not values.row_error(exc):
                raise
            # the database refused what the feed gave (a value no cleaning foresaw): the poll
            # is recorded as failed with that reason, and retried with the usual back-off
            log.warning("feed %s: poll could not be stored: %s", feed.url, values.describe(exc))
            outcome = _record(conn, settings, PollResult(
                feed, result.started_at, result.duration_ms,
                error=FetchError(f"could not store the poll: {values.describe(exc)}")))
        outcomes.append(outcome)
        reporter.advance("poll")
    reporter.finish("poll")
    return outcomes
