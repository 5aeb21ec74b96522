"""Story clusters: the same story republished by many outlets, or lightly edited, is one story.

Each extracted text gets a MinHash signature of its word 5-grams (datasketch); 16 bands of 4
values go to ``article_minhash_bands``, so near-duplicate candidates are found with one indexed
join instead of comparing every pair. A candidate whose estimated Jaccard similarity is at least
``THRESHOLD`` shares its story; otherwise the article starts a story of its own. Clustering is
serialised with a pipeline lock (it is cheap) so that concurrent runs cannot split a story; a
row lock (:mod:`etl.store.locks`), so that no analyst's session can hold it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from etl.stages.progress import NullReporter, Reporter
from etl.store import eventclusters
from etl.store.db import execute_values, transaction
from etl.store.locks import STORIES, lock_row

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 5
THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


@dataclass
class StoryStats:
    clustered: int = 0
    joined: int = 0  # articles that joined an existing story


def signature(text: str | None) -> np.ndarray | None:
    """MinHash of the text's lower-cased word 5-grams; None for texts too short to compare."""
    words = _WORD.findall((text or "").lower())
    if len(words) < SHINGLE * 4:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(list(shingles))
    return m.hashvalues.astype(np.int64)


def band_hashes(sig: np.ndarray) -> list[int]:
    out = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


def cluster_pending(conn, reporter: Reporter | None = None, batch_size: int = 500) -> StoryStats:
    """Assign a story to every extracted article that has none yet."""
    reporter = reporter or NullReporter()
    stats = StoryStats()
    reporter.start("cluster", None)
    while True:
        with transaction(conn) as cur:
            lock_row(cur, STORIES)
            cur.execute(
                """SELECT id, text FROM articles
                   WHERE status = 'extracted' AND story_id IS NULL
                   ORDER BY id LIMIT %s""",
                (batch_size,),
            )
            batch = cur.fetchall()
            if not batch:
                break
            sigs = {article_id: signature(text) for article_id, text in batch}
            bands = {i: band_hashes(s) for i, s in sigs.items() if s is not None}
            pairs = [(i, b, h) for i, hs in bands.items() for b, h in enumerate(hs)]
            candidates, known = _candidates(cur, bands, pairs)
            assigned = _assign([i for i, _ in batch], sigs, bands, candidates, known, stats)
            _store(cur, assigned, pairs)
        # a story joined may merge these articles' event reports with its other reports: their
        # real events are recomputed in a transaction of their own (the events lock is always
        # taken before any row lock, never while holding the articles' rows)
        with transaction(conn) as cur:
            eventclusters.lock(cur)
            eventclusters.recluster(cur, eventclusters.seeds_of_articles(
                cur, [article_id for article_id, _ in batch]))
        stats.clustered += len(batch)
        reporter.advance("cluster", len(batch))
    reporter.finish("cluster")
    return stats


def _candidates(cur, bands: dict[int, list[int]], pairs: list[tuple[int, int, int]]
                ) -> tuple[dict[int, set[int]], dict[int, tuple[int, np.ndarray]]]:
    """Already clustered articles sharing a band with each new one (one indexed join for the
    batch): candidates per new article, and each candidate's (story, signature)."""
    known: dict[int, tuple[int, np.ndarray]] = {}
    candidates: dict[int, set[int]] = {i: set() for i in bands}
    if pairs:
        rows = execute_values(
            cur,
            """SELECT DISTINCT v.id, a.id, a.story_id, a.minhash
               FROM (VALUES %s) AS v(id, band, band_hash)
               JOIN article_minhash_bands m
                 ON m.band = v.band AND m.band_hash = v.band_hash
               JOIN articles a ON a.id = m.article_id
               WHERE a.story_id IS NOT NULL""",
            pairs,
            template="(%s::bigint, %s::smallint, %s::bigint)",
            fetch=True,
        )
        for article_id, other, story, minhash in rows:
            candidates[article_id].add(other)
            known[other] = (story, np.array(minhash, dtype=np.int64))
    return candidates, known


def _assign(ids: list[int], sigs: dict, bands: dict[int, list[int]],
            candidates: dict[int, set[int]], known: dict[int, tuple[int, np.ndarray]],
            stats: StoryStats) -> list[tuple[int, int, list[int] | None]]:
    """(article, story, signature) for each article of the batch, in id order: the story of
    its most similar earlier article (stored or in this batch) from THRESHOLD on, else its own."""
    seen_bands: dict[tuple[int, int], list[int]] = {}
    assigned: list[tuple[int, int, list[int] | None]] = []
    for article_id in ids:
        sig = sigs[article_id]
        story = article_id
        if sig is not None:
            local = {o for b, h in enumerate(bands[article_id])
                     for o in seen_bands.get((b, h), [])}
            scored = [(similarity(sig, known[o][1]), -o, o)
                      for o in candidates[article_id] | local]
            if scored:
                sim, _, best = max(scored)  # most similar; the oldest on a tie
                if sim >= THRESHOLD:
                    story = known[best][0]
                    stats.joined += 1
            known[article_id] = (story, sig)
            for b, h in enumerate(bands[article_id]):
                seen_bands.setdefault((b, h), []).append(article_id)
        assigned.append((article_id, story, sig.tolist() if sig is not None else None))
    return assigned


def _store(cur, assigned: list[tuple[int, int, list[int] | None]],
           pairs: list[tuple[int, int, int]]) -> None:
    """Write the batch's stories, signatures and bands, and recount the stories it touched."""
    execute_values(
        cur,
        """UPDATE articles a SET story_id = v.story, minhash = v.minhash
           FROM (VALUES %s) AS v(id, story, minhash) WHERE a.id = v.id""",
        assigned,
        template="(%s::bigint, %s::bigint, %s::bigint[])",
    )
    if pairs:
        execute_values(
            cur,
            """INSERT INTO article_minhash_bands (article_id, band, band_hash)
               VALUES %s ON CONFLICT DO NOTHING""",
            pairs,
        )
    # the stories these articles started or joined, recounted in one statement
    cur.execute(
        """INSERT INTO stories (id, article_count, outlet_count, first_article_id,
                                first_published_at, last_published_at)
           SELECT story_id, count(*), count(DISTINCT newsmon_outlet(id)),
                  (array_agg(id ORDER BY published_at NULLS LAST, id))[1],
                  min(published_at), max(published_at)
           FROM articles WHERE story_id = ANY(%s) GROUP BY story_id
           ON CONFLICT (id) DO UPDATE SET
               article_count = EXCLUDED.article_count,
               outlet_count = EXCLUDED.outlet_count,
               first_article_id = EXCLUDED.first_article_id,
               first_published_at = EXCLUDED.first_published_at,
               last_published_at = EXCLUDED.last_published_at, updated_at = now()""",
        (sorted({story for _, story, _ in assigned}),),
    )
