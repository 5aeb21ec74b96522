"""Extract text and metadata from stored pages with trafilatura: one page in, one result out.

Comments are excluded (trafilatura includes them by default). The language is detected from
the text with py3langid, since trafilatura only reports a language it is told to filter on.
The loop that claims fetched articles and runs this on every core, tagging as it goes, is
:mod:`etl.stages.process`; this module reads the jobs (:func:`load_jobs`), extracts one
(:func:`extract_job`) and stores results (:func:`store_extracted`).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from etl.errors import ParseError
from etl.settings import Settings
from etl.stages.limits import PageLimits, run_bounded
from etl.store import values
from etl.store.db import execute_values, transaction
from etl.store.queue import RELEASED, Failure, record_failures
from etl.store.rowwise import write_each

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 25
MAX_META_CHARS = 5000  # title, author, site name, description: a page's claim, bounded
DATE_PARAMS = {
    "extensive_search": True,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str
    author: str | None
    published_at: datetime | None
    published_source: str | None
    site_name: str | None
    description: str | None
    language: str | None
    text_hash: str


def _decode(content: bytes, charset: str | None) -> str | bytes:
    """Use the HTTP charset when it really decodes the bytes; else let trafilatura detect."""
    if charset:
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return content


def _page_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def choose_published(
    page: datetime | None, feed: datetime | None, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """Publication time: the page's, refined by the feed's time when the page gives only a day.

    Dates before 1990 or more than a day in the future are errors and ignored.
    """
    now = now or datetime.now(UTC)
    page, feed = values.published(page, now), values.published(feed, now)
    if page is None:
        return (feed, "feed") if feed else (None, None)
    date_only = (page.hour, page.minute, page.second) == (0, 0, 0)
    if date_only and feed is not None and feed.astimezone(UTC).date() == page.date():
        return feed, "page"
    return page, "page"


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def detect_language(text: str) -> str | None:
    if len(text) < 20:
        return None
    import py3langid  # here, not at the top: only the worker processes extract

    lang, _score = py3langid.classify(text[:5000])
    return lang


def extract_article(
    content: bytes, url: str | None, charset: str | None = None,
    feed_published_at: datetime | None = None, limits: PageLimits | None = None,
) -> Extracted:
    """Extract one page; raises :class:`ParseError` when there is no text, or when the page
    exceeds an extraction bound (``limits``, by default the settings' defaults:
    :mod:`etl.stages.limits`)."""
    from trafilatura import bare_extraction  # here: the main process never loads trafilatura

    # bounded in elements (memory) and time: a hostile page fails alone, with its reason
    doc = run_bounded(content, lambda: bare_extraction(
        _decode(content, charset),
        url=url,
        include_comments=False,
        with_metadata=True,
        date_extraction_params=DATE_PARAMS,
    ), limits)
    # NULs and lone surrogates out before anything is measured or tagged: what is stored is
    # exactly the text the tags' offsets refer to
    text = (values.text(getattr(doc, "text", None)) or "").strip() if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        # trafilatura's fallbacks return scraps such as a lone menu item: not an article
        raise ParseError(f"no extractable text ({len(text)} characters)")
    published_at, source = choose_published(_page_time(doc.date), feed_published_at)
    return Extracted(
        title=values.text(doc.title, MAX_META_CHARS),
        text=text,
        author=values.text(doc.author, MAX_META_CHARS),
        published_at=published_at,
        published_source=source,
        site_name=values.text(doc.sitename, MAX_META_CHARS),
        description=values.text(doc.description, MAX_META_CHARS),
        language=detect_language(text),
        text_hash=text_hash(text),
    )


def extract_job(job: tuple, limits: PageLimits | None = None
                ) -> tuple[int, Extracted | None, str | None]:
    """One job of :func:`load_jobs`: (article_id, html_gz, url, charset, feed_published_at).

    Returns (article_id, extracted or None, error or None); never raises.
    """
    article_id, html_gz, url, charset, feed_published_at = job
    try:
        return article_id, extract_article(
            gzip.decompress(html_gz), url, charset, feed_published_at, limits
        ), None
    except ParseError as exc:
        return article_id, None, f"ParseError: {exc}"
    except Exception as exc:  # one bad page must never stop the rest
        log.exception("extraction of article %s crashed", article_id)
        return article_id, None, f"internal error: {type(exc).__name__}: {exc}"[:1000]


def load_jobs(conn, ids: list[int]) -> list[tuple]:
    """The stored pages of these articles, as jobs for :func:`extract_job`, in id order."""
    with transaction(conn) as cur:
        cur.execute(
            """SELECT a.id, h.html_gz, COALESCE(a.final_url, a.url), h.encoding,
                      a.feed_published_at
               FROM articles a JOIN article_html h ON h.article_id = a.id
               WHERE a.id = ANY(%s) ORDER BY a.id""",
            (ids,),
        )
        return [(r[0], bytes(r[1]), r[2], r[3], r[4]) for r in cur.fetchall()]


def store_extracted(conn, settings: Settings, done: list[tuple[int, Extracted]],
                    failures: list[Failure]) -> list[Failure]:
    """Store extracted articles and extraction failures (releasing their claims) in one
    transaction. A failed extraction is deterministic on the same bytes: not retried.

    An article the database refuses is recorded as failed with the reason (retried with
    back-off) and the rest of the batch is stored; returns those refusals.
    """
    with transaction(conn) as cur:
        written = write_each(cur, done, _update_extracted, "newsmon_extracted")
        refused = [Failure(article_id, f"could not store the extracted text: {reason}", retry=True)
                   for (article_id, _), reason in written.failed]
        for failure in refused:
            log.warning("article %s: %s", failure.article_id, failure.error)
        record_failures(cur, "extract", failures + refused, settings)
    return refused


def _update_extracted(cur, done: list[tuple[int, Extracted]]) -> None:
    execute_values(
        cur,
        f"""UPDATE articles a SET status = 'extracted', extracted_at = now(),
               title = COALESCE(v.title, a.feed_title), text = v.text,
               author = v.author, published_at = v.published_at,
               published_source = v.published_source, site_name = v.site_name,
               description = v.description, language = v.language,
               text_hash = v.text_hash, attempts = 0, error_stage = NULL,
               last_error = NULL, next_attempt_at = NULL, {RELEASED},
               updated_at = now()
           FROM (VALUES %s) AS v(id, title, text, author, published_at,
                                 published_source, site_name, description,
                                 language, text_hash)
           WHERE a.id = v.id""",  # noqa: S608 - constant fragment
        [
            (
                article_id, e.title, e.text, e.author, e.published_at,
                e.published_source, e.site_name, e.description, e.language, e.text_hash,
            )
            for article_id, e in done
        ],
        template="(%s::bigint, %s::text, %s::text, %s::text, %s::timestamptz,"
        " %s::text, %s::text, %s::text, %s::text, %s::text)",
    )
