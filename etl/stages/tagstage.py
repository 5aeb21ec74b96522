"""The tag stage's storage: one tagger per process, and tag rows stored idempotently.

:func:`rows_for` turns a tagger's result into rows (in the worker processes) and
:func:`store_rows` writes a batch of them in one transaction: the articles' old tag rows
are deleted and the new ones inserted with batched statements, so re-tagging replaces rather
than adds, and the articles' tag claims are released. Which articles need tagging, and their
claims, are :mod:`etl.store.queue`'s; the loops that tag them (with extraction, or alone from
the stored text) are :mod:`etl.stages.process`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from etl.store import eventclusters, queue
from etl.store.db import execute_values, transaction
from etl.store.events import event_rows, write_event_rows
from etl.store.queue import TAG_RELEASED
from etl.store.rowwise import write_each

if TYPE_CHECKING:  # spaCy and the gazetteers load in the worker processes, never in the main one
    from etl.tagging.core.tagger import Tagger, TagResult

log = logging.getLogger(__name__)
SNIPPET_CHARS = 60


@lru_cache(maxsize=2)
def get_tagger(model: str | None = None) -> Tagger:
    """One tagger per process: loading the model and gazetteers takes seconds."""
    from etl.tagging.core.tagger import Tagger

    return Tagger(model)


def snippet(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    left, right = max(0, start - width), min(len(text), end + width)
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


@dataclass
class TagRows:
    """One tagged article as the rows :func:`store_rows` writes: plain values only, so that a
    worker process computes them (snippets included) and the main process, which only
    stores them, never imports the tagger to unpickle its results."""

    article: tuple
    tags: list[tuple] = field(default_factory=list)
    keywords: list[tuple] = field(default_factory=list)
    mentions: list[tuple] = field(default_factory=list)
    places: list[tuple] = field(default_factory=list)
    entities: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)


def rows_for(article_id: int, text: str, r: TagResult) -> TagRows:
    """The rows of one tagged article (``text`` is the tagged text, for the snippets)."""
    version = r.taxonomy_version
    rows = TagRows(article=(article_id, r.relevance, r.is_conflict, version, r.mode))
    rows.tags = [(article_id, c.id, c.parent, c.score, c.evidence, c.event, version)
                 for c in r.categories]
    rows.keywords = [(article_id, k.start, k.end, k.text, k.term, k.category,
                      snippet(text, k.start, k.end), version) for k in r.keywords]
    for e in r.entities:
        if e.id:
            rows.entities.append((e.id, e.name or e.text, e.type, e.kind, e.country))
        rows.mentions.append((article_id, e.start, e.end, e.text, e.type, e.id, e.source,
                              snippet(text, e.start, e.end), version))
    rows.places = [(article_id, p.start, p.end, p.text, p.name, p.country, p.lat, p.lon,
                    p.geonameid, p.feature, snippet(text, p.start, p.end), version, p.admin1,
                    p.confidence, p.demonym)
                   for p in r.places]
    rows.events = event_rows(article_id, r.events, version)
    return rows


def store_rows(conn, done: list[TagRows], retry_s: int = 600) -> list[tuple[int, str]]:
    """Replace the tag rows of these articles in one transaction, and release their claims.

    An article whose tags the database refuses keeps its old tags and is left for the next run
    (held by this session for ``retry_s``, so this run does not loop on it; the reason is in
    ``last_error``); the others are stored. Returns the refused (id, reason) pairs.
    """
    if not done:
        return []
    with transaction(conn) as cur:
        ids = [rows.article[0] for rows in done]
        eventclusters.lock(cur)  # first: the events of these articles are re-clustered below
        # the articles and their reports' old clusters: the new reports are found by article
        touched = eventclusters.seeds_of_articles(cur, ids)
        written = write_each(cur, done, _write, "newsmon_tags")
        eventclusters.recluster(cur, touched)
        refused = [(rows.article[0], f"tagging: could not store the tags: {reason}")
                   for rows, reason in written.failed]
        for article_id, reason in refused:
            log.warning("article %s: %s", article_id, reason)
        queue.hold_tagging(cur, refused, retry_s)
    return refused


def store_failures(conn, failed: list[tuple[int, str]], retry_base_s: int = 300,
                   max_backoff_s: int = 6 * 3600) -> None:
    """Record articles whose tagging failed (a time bound, an error): each keeps its old tags,
    gets its reason in ``last_error`` and is retried on its own schedule (``tag_retry_at``:
    ``retry_base_s`` doubled per failure, at most ``max_backoff_s``), its claim released; the
    rest of its batch is stored as usual."""
    if not failed:
        return
    for article_id, reason in failed:
        log.warning("article %s: %s", article_id, reason)
    with transaction(conn) as cur:
        queue.fail_tagging(cur, failed, retry_base_s, max_backoff_s)


def _write(cur, done: list[TagRows]) -> None:
    ids = [d.article[0] for d in done]
    entities = {e[0]: e for d in done for e in d.entities}
    tags = [row for d in done for row in d.tags]
    keywords = [row for d in done for row in d.keywords]
    mentions = [row for d in done for row in d.mentions]
    places = [row for d in done for row in d.places]
    articles = [d.article for d in done]
    write_event_rows(cur, ids, [row for d in done for row in d.events])
    for table in ("article_tags", "article_keywords", "article_mentions", "article_places"):
        cur.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)",  # noqa: S608
                    (ids,))
    if entities:
        execute_values(
            cur,
            """INSERT INTO entities (id, name, type, kind, country) VALUES %s
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type,
                   kind = EXCLUDED.kind, country = EXCLUDED.country, updated_at = now()
               WHERE (entities.name, entities.type, entities.kind, entities.country)
                     IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.type, EXCLUDED.kind,
                                       EXCLUDED.country)""",
            sorted(entities.values()),
        )
    if tags:
        execute_values(cur, "INSERT INTO article_tags (article_id, category_id, parent_id, "
                       "score, evidence, is_event, taxonomy_version) VALUES %s", tags)
    if keywords:
        execute_values(cur, "INSERT INTO article_keywords (article_id, start_char, end_char, "
                       "matched_text, term, category_id, snippet, taxonomy_version) "
                       "VALUES %s", keywords)
    if mentions:
        execute_values(cur, "INSERT INTO article_mentions (article_id, start_char, end_char, "
                       "matched_text, type, entity_id, source, snippet, taxonomy_version) "
                       "VALUES %s", mentions)
    if places:
        execute_values(cur, "INSERT INTO article_places (article_id, start_char, end_char, "
                       "matched_text, name, country_code, lat, lon, geonameid, feature, "
                       "snippet, taxonomy_version, admin1, confidence, demonym) VALUES %s",
                       places)
    execute_values(
        cur,
        f"""UPDATE articles a SET relevance = v.relevance, is_conflict = v.is_conflict,
               taxonomy_version = v.version, tagger_mode = v.mode, tagged_at = now(),
               last_error = NULL, tag_failures = 0, tag_retry_at = NULL, {TAG_RELEASED}
           FROM (VALUES %s) AS v(id, relevance, is_conflict, version, mode)
           WHERE a.id = v.id""",  # noqa: S608 - constant fragment
        articles,
        template="(%s::bigint, %s::real, %s::boolean, %s::text, %s::text)",
    )
