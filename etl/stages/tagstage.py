"""The tag stage: tag extracted articles and store the tags, idempotently.

Articles in status ``extracted`` whose ``taxonomy_version`` is not the current one (never tagged,
or tagged with an older taxonomy), or that were tagged gazetteer-only while a model is now
available, are claimed in batches with ``FOR UPDATE SKIP LOCKED`` and a lease of their own
(``articles.tag_lease_until``, tied to the claiming session like the other stages' claims, so a
killed worker's articles are free at once; the other stages never touch extracted rows). Each
batch is tagged with ``Tagger.tag_many`` from the stored text (no re-fetch) and stored in one
transaction: the article's old tag rows are deleted and the new ones inserted with batched
statements, so re-tagging replaces rather than adds. ``retag_all`` re-tags every extracted
article once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from etl.run.progress import NullReporter, Reporter
from etl.settings import Settings
from etl.store.db import execute_values, transaction
from etl.store.queue import CLAIMED_BY, db_now
from etl.tagging.ner import MODE_MODEL
from etl.tagging.tagger import Tagger, TagResult
from etl.tagging.taxonomy import taxonomy_version

log = logging.getLogger(__name__)
SNIPPET_CHARS = 60


@dataclass
class TagStats:
    tagged: int = 0
    mode: str = MODE_MODEL
    warning: str | None = None


@lru_cache(maxsize=2)
def get_tagger(model: str | None = None) -> Tagger:
    """One tagger per process: loading the model and gazetteers takes seconds."""
    return Tagger(model)


def snippet(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    left, right = max(0, start - width), min(len(text), end + width)
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


_READY = """status = 'extracted' AND text IS NOT NULL
    AND (taxonomy_version IS DISTINCT FROM %(version)s
         OR (%(mode)s = 'model' AND tagger_mode = 'gazetteer-only')
         OR (%(all)s AND (tagged_at IS NULL OR tagged_at < %(since)s)))
    AND (tag_lease_until IS NULL OR tag_lease_until < now()
         OR NOT newsmon_session_alive(claimed_pid, claimed_backend_start))"""

# Articles that may need tagging, judged without loading the tagger (see tag_pending).
_MAYBE = """status = 'extracted' AND text IS NOT NULL
    AND (taxonomy_version IS DISTINCT FROM %(version)s OR tagger_mode = 'gazetteer-only'
         OR %(all)s)"""


def pending_count(conn, tagger: Tagger, since: datetime, retag_all: bool = False) -> int:
    with transaction(conn) as cur:
        cur.execute(
            f"SELECT count(*) FROM articles WHERE {_READY}",  # noqa: S608 - constant fragment
            {"version": tagger.version, "mode": tagger.mode, "all": retag_all, "since": since},
        )
        return cur.fetchone()[0]


def claim(conn, tagger: Tagger, settings: Settings, since: datetime,
          retag_all: bool = False) -> list[tuple[int, str]]:
    """Lease up to ``batch_size`` articles to tag; returns (id, text) pairs."""
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE articles a
                   SET tag_lease_until = now() + make_interval(secs => %(lease)s),
                       {CLAIMED_BY}
                  FROM (SELECT id FROM articles WHERE {_READY}
                        ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS todo
                 WHERE a.id = todo.id
             RETURNING a.id, a.text""",  # noqa: S608 - constant fragment
            {"version": tagger.version, "mode": tagger.mode, "all": retag_all,
             "since": since, "lease": settings.lease_s, "limit": settings.batch_size},
        )
        return sorted(cur.fetchall())


def store(conn, done: list[tuple[int, str, TagResult]]) -> None:
    """Replace the tag rows of these articles, (id, text, result), in one transaction."""
    if not done:
        return
    ids = [article_id for article_id, _, _ in done]
    entities: dict[str, tuple] = {}
    tags, keywords, mentions, places, articles = [], [], [], [], []
    for article_id, text, r in done:
        version = r.taxonomy_version
        articles.append((article_id, r.relevance, r.is_conflict, version, r.mode))
        tags += [(article_id, c.id, c.parent, c.score, c.evidence, c.event, version)
                 for c in r.categories]
        keywords += [(article_id, k.start, k.end, k.text, k.term, k.category,
                      snippet(text, k.start, k.end), version) for k in r.keywords]
        for e in r.entities:
            if e.id:
                entities[e.id] = (e.id, e.name or e.text, e.type, e.kind, e.country)
            mentions.append((article_id, e.start, e.end, e.text, e.type, e.id, e.source,
                             snippet(text, e.start, e.end), version))
        places += [(article_id, p.start, p.end, p.text, p.name, p.country, p.lat, p.lon,
                    p.geonameid, p.feature, snippet(text, p.start, p.end), version, p.admin1,
                    p.confidence, p.demonym)
                   for p in r.places]
    with transaction(conn) as cur:
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
            """UPDATE articles a SET relevance = v.relevance, is_conflict = v.is_conflict,
                   taxonomy_version = v.version, tagger_mode = v.mode, tagged_at = now(),
                   tag_lease_until = NULL, claimed_pid = NULL, claimed_backend_start = NULL
               FROM (VALUES %s) AS v(id, relevance, is_conflict, version, mode)
               WHERE a.id = v.id""",
            articles,
            template="(%s::bigint, %s::real, %s::boolean, %s::text, %s::text)",
        )


def tag_pending(conn, settings: Settings, reporter: Reporter | None = None, *,
                tagger: Tagger | None = None, retag_all: bool = False) -> TagStats:
    """Tag every extracted article that needs it; returns counts and the tagger's mode."""
    reporter = reporter or NullReporter()
    if tagger is None:
        # Loading the model and gazetteers costs seconds and hundreds of MB: skip it when no
        # article can need tagging (most scheduled runs after a quiet quarter of an hour).
        with transaction(conn) as cur:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM articles WHERE {_MAYBE})",  # noqa: S608
                        {"version": taxonomy_version(), "all": retag_all})
            if not cur.fetchone()[0]:
                return TagStats(mode="idle")  # the tagger was not needed
        tagger = get_tagger()
    stats = TagStats(mode=tagger.mode, warning=tagger.warning)
    if tagger.warning:
        log.warning("tagging: %s", tagger.warning)
    since = db_now(conn)
    reporter.start("tag", pending_count(conn, tagger, since, retag_all))
    while batch := claim(conn, tagger, settings, since, retag_all):
        results = tagger.tag_many([text for _, text in batch])
        store(conn, [(i, text, r) for (i, text), r in zip(batch, results, strict=True)])
        stats.tagged += len(batch)
        reporter.advance("tag", len(batch))
    reporter.finish("tag")
    return stats
