"""The work queue, kept in ``feeds`` and ``articles`` themselves: every claim, lease, release and
readiness predicate of the pipeline is defined here and nowhere else.

Each article carries its stage (``status``), failed attempts, last error, next attempt time and a
lease. A worker claims a batch with ``FOR UPDATE SKIP LOCKED`` and sets a lease tied to its
database session (``claimed_pid``, ``claimed_backend_start``; see sql/002_reliability.sql), so
concurrent runs (several Airflow workers) never take the same article, and a worker killed
mid-batch frees its articles at once (its session ends) or at the latest when the lease expires.

Three queues use these rules:

- **feeds to poll** (:func:`claim_feeds`): active feeds whose ``next_poll_at`` has come, with a
  poll lease (``poll_lease_until``);
- **articles to fetch and to extract** (:func:`claim`): ``new`` and ``fetched`` articles, and
  failed ones whose back-off has expired, with ``lease_until``;
- **articles to tag** (:func:`claim_tagging`): extracted articles whose tags are missing or
  stale, with ``tag_lease_until`` (the other stages never touch extracted rows).

Shards (:class:`Shard`) partition a queue between parallel workers: fetching by host (so a host
is only ever fetched by one worker, and the per-host limit holds), CPU work by article id.

Retry policy: temporary errors (network, timeouts, 5xx, 429) and 404s (feeds often list a page
before it is live) are retried with exponential back-off up to ``max_attempts``; other
permanent errors are recorded once and not retried automatically.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from etl.errors import ClientError, FetchError, TemporaryError
from etl.settings import Settings
from etl.store import values
from etl.store.db import execute_values, transaction

# stage -> status that feeds it (a failure of the stage is recorded with error_stage = stage)
STAGES = {"fetch": "new", "extract": "fetched"}


def _lease_free(lease: str) -> str:
    """A claim is free when its lease is unset or expired, or its session has ended."""
    return f"""({lease} IS NULL OR {lease} < now()
         OR NOT newsmon_session_alive(claimed_pid, claimed_backend_start))"""


# Marks a claim with the claiming session.
CLAIMED_BY = """claimed_pid = pg_backend_pid(),
    claimed_backend_start = (SELECT backend_start FROM pg_stat_activity
                             WHERE pid = pg_backend_pid())"""
RELEASED = "lease_until = NULL, claimed_pid = NULL, claimed_backend_start = NULL"
TAG_RELEASED = "tag_lease_until = NULL, claimed_pid = NULL, claimed_backend_start = NULL"
POLL_RELEASED = "poll_lease_until = NULL, claimed_pid = NULL, claimed_backend_start = NULL"

# Articles ready for a stage: waiting in its status, or failed at it with the back-off over.
# ``since`` is when the pass began: failures recorded during the pass get a later
# ``next_attempt_at``, so a pass never loops on its own failures.
_WAITING = """(status = %(status)s OR (status = 'failed' AND error_stage = %(stage)s
                              AND next_attempt_at <= %(since)s))"""
_READY = f"({_WAITING} AND {_lease_free('lease_until')})"

# Extracted articles whose tags are missing, of another tag version, gazetteer-only while the
# model is there, or (re-tag all) older than the pass.
_TAG_WAITING = """status = 'extracted' AND text IS NOT NULL
    AND (tag_retry_at IS NULL OR tag_retry_at <= %(since)s)
    AND (taxonomy_version IS DISTINCT FROM %(version)s
         OR (%(mode)s = 'model' AND tagger_mode = 'gazetteer-only')
         OR (%(all)s AND (tagged_at IS NULL OR tagged_at < %(since)s)))"""
_TAG_READY = f"({_TAG_WAITING} AND {_lease_free('tag_lease_until')})"

# Active feeds whose next poll has come (every active feed with %(all)s).
FEED_DUE = "active AND (%(all)s OR next_poll_at IS NULL OR next_poll_at <= now())"
_FEED_READY = f"""({FEED_DUE}
    AND (%(ids)s::bigint[] IS NULL OR id = ANY(%(ids)s::bigint[]))
    AND {_lease_free('poll_lease_until')})"""

# The shard (0 .. n - 1) of an article, by host (stable, computed by PostgreSQL) or by id.
SHARD_KEYS = {
    "host": "mod(hashtext(host)::bigint + 2147483648, %(shards)s)",
    "id": "mod(id, %(shards)s)",
}


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``, partitioning articles by ``key`` (``host`` or ``id``)."""

    index: int
    count: int
    key: str = "id"

    def __post_init__(self) -> None:
        if self.key not in SHARD_KEYS:
            raise ValueError(f"unknown shard key {self.key!r}; expected one of {set(SHARD_KEYS)}")
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} out of range for {self.count} shards")


def _in_shard(shard: Shard | None) -> str:
    return f" AND {SHARD_KEYS[shard.key]} = %(shard)s" if shard else ""


def _shard_params(shard: Shard | None) -> dict:
    return {"shard": shard.index if shard else None, "shards": shard.count if shard else None}


@dataclass(frozen=True)
class Claimed:
    id: int
    url: str
    host: str
    attempts: int
    feed_published_at: datetime | None
    feed_title: str | None


@dataclass(frozen=True)
class Failure:
    article_id: int
    error: str
    retry: bool
    retry_after: float | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class TagVersion:
    """What the tagger would write: tags older than this, or weaker, are stale."""

    version: str
    mode: str


def db_now(conn) -> datetime:
    with transaction(conn) as cur:
        cur.execute("SELECT now()")
        return cur.fetchone()[0]


# -- articles to fetch and extract ---------------------------------------------------------------


def pending_count(conn, stage: str, since: datetime, shard: Shard | None = None) -> int:
    """Articles ready for ``stage`` (fetch or extract) now."""
    with transaction(conn) as cur:
        cur.execute(
            f"SELECT count(*) FROM articles WHERE {_READY}{_in_shard(shard)}",  # noqa: S608
            {"status": STAGES[stage], "stage": stage, "since": since, **_shard_params(shard)},
        )
        return cur.fetchone()[0]


def claim(
    conn, stage: str, settings: Settings, limit: int, since: datetime,
    shard: Shard | None = None, exclude_hosts: Collection[str] = (),
) -> list[Claimed]:
    """Lease up to ``limit`` articles ready for ``stage``, in id order.

    ``since`` is when this pass began (see :data:`_WAITING`); ``shard`` takes only the articles
    of that shard; ``exclude_hosts``, none of those hosts' articles.
    """
    hosts = " AND NOT (host = ANY(%(exclude)s::text[]))" if exclude_hosts else ""
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE articles a SET lease_until = now() + make_interval(secs => %(lease)s),
                       {CLAIMED_BY}
                FROM (SELECT id FROM articles WHERE {_READY}{_in_shard(shard)}{hosts}
                      ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS todo
                WHERE a.id = todo.id
                RETURNING a.id, a.url, a.host, a.attempts, a.feed_published_at,
                          a.feed_title""",  # noqa: S608 - constant fragments
            {
                "status": STAGES[stage], "stage": stage, "since": since,
                "lease": settings.lease_s, "limit": limit, **_shard_params(shard),
                "exclude": sorted(exclude_hosts),
            },
        )
        return sorted((Claimed(*row) for row in cur.fetchall()), key=lambda c: c.id)


def work_waiting(conn, stages: Sequence[str] = ("fetch", "extract"),
                 shard: Shard | None = None) -> bool:
    """Whether any article is ready for one of ``stages`` now (claims held by others aside)."""
    with transaction(conn) as cur:
        cur.execute("SELECT now()")
        since = cur.fetchone()[0]
        for stage in stages:
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM articles WHERE {_READY}"  # noqa: S608
                f"{_in_shard(shard)})",
                {"status": STAGES[stage], "stage": stage, "since": since,
                 **_shard_params(shard)},
            )
            if cur.fetchone()[0]:
                return True
    return False


def failure_for(article_id: int, exc: FetchError) -> Failure:
    """The failure to record for a fetch error, with the retry policy applied."""
    retry = isinstance(exc, TemporaryError) or (isinstance(exc, ClientError) and exc.status == 404)
    return Failure(
        article_id=article_id,
        error=f"{type(exc).__name__}: {exc}"[:1000],
        retry=retry,
        retry_after=getattr(exc, "retry_after", None),
        http_status=exc.status,
    )


def record_failures(cur, stage: str, failures: list[Failure], settings: Settings) -> None:
    """Mark articles failed at ``stage`` and release them, scheduling a retry where the policy
    allows one.

    The delay is the exponential back-off, or the server's ``Retry-After`` if longer, and never
    more than ``NEWSMON_MAX_BACKOFF`` (as for feeds): a huge ``Retry-After`` must neither
    overflow the timestamp nor park the article for centuries.
    """
    if not failures:
        return
    execute_values(
        cur,
        f"""UPDATE articles a SET
               status = 'failed', error_stage = v.stage, attempts = a.attempts + 1,
               last_error = v.err, http_status = COALESCE(v.http_status, a.http_status),
               next_attempt_at = CASE WHEN v.retry AND a.attempts + 1 < v.max_attempts
                   THEN now() + make_interval(secs => LEAST(GREATEST(
                        COALESCE(v.retry_after, 0), v.base * power(2, LEAST(a.attempts, 60))),
                        v.cap))
                   END,
               {RELEASED}, updated_at = now()
           FROM (VALUES %s) AS v(id, stage, err, retry, retry_after, http_status,
                                 max_attempts, base, cap)
           WHERE a.id = v.id""",  # noqa: S608 - constant fragments
        [
            (
                f.article_id, stage, values.text(f.error, 1000) or "unknown error", f.retry,
                values.seconds(f.retry_after, settings.max_backoff_s), f.http_status,
                settings.max_attempts, settings.retry_base_s, settings.max_backoff_s,
            )
            for f in failures
        ],
        template="(%s::bigint, %s::text, %s::text, %s::boolean, %s::float8, %s::int,"
        " %s::int, %s::float8, %s::float8)",
    )


# -- articles to tag -----------------------------------------------------------------------------


def _tag_params(tags: TagVersion, since: datetime, retag_all: bool, shard: Shard | None) -> dict:
    return {"version": tags.version, "mode": tags.mode, "all": retag_all, "since": since,
            **_shard_params(shard)}


def tagging_waiting(conn, version: str, *, retag_all: bool = False,
                    shard: Shard | None = None) -> bool:
    """Whether an article may need tagging, judged without loading the tagger (its mode
    unknown: a gazetteer-only article counts), so that idle runs skip loading it."""
    with transaction(conn) as cur:
        cur.execute("SELECT now()")
        since = cur.fetchone()[0]
        cur.execute(
            f"SELECT EXISTS (SELECT 1 FROM articles WHERE {_TAG_READY}"  # noqa: S608
            f"{_in_shard(shard)})",
            _tag_params(TagVersion(version, "model"), since, retag_all, shard),
        )
        return cur.fetchone()[0]


def tag_pending_count(conn, tags: TagVersion, since: datetime, *, retag_all: bool = False,
                      shard: Shard | None = None) -> int:
    with transaction(conn) as cur:
        cur.execute(
            f"SELECT count(*) FROM articles WHERE {_TAG_READY}{_in_shard(shard)}",  # noqa: S608
            _tag_params(tags, since, retag_all, shard),
        )
        return cur.fetchone()[0]


def claim_tagging(conn, tags: TagVersion, settings: Settings, since: datetime, *,
                  retag_all: bool = False, shard: Shard | None = None) -> list[tuple[int, str]]:
    """Lease up to ``batch_size`` articles to tag; returns (id, text, published_at, language)
    tuples in id order (the language routes the tagger, etl/tagging/lang).

    Storing the tags releases them (:data:`TAG_RELEASED`).
    """
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE articles a
                   SET tag_lease_until = now() + make_interval(secs => %(lease)s),
                       {CLAIMED_BY}
                  FROM (SELECT id FROM articles WHERE {_TAG_READY}{_in_shard(shard)}
                        ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS todo
                 WHERE a.id = todo.id
             RETURNING a.id, a.text, a.published_at, a.language""",  # noqa: S608 - constant fragments
            {**_tag_params(tags, since, retag_all, shard),
             "lease": settings.lease_s, "limit": settings.batch_size},
        )
        return sorted(cur.fetchall())


def hold_tagging(cur, refused: Sequence[tuple[int, str]], retry_s: int) -> None:
    """Keep articles whose tags the database refused, (id, reason), claimed by this session
    for ``retry_s`` seconds (so the pass does not loop on them), with the reason to show."""
    if not refused:
        return
    execute_values(
        cur,
        f"""UPDATE articles a
               SET tag_lease_until = now() + make_interval(secs => v.retry_s),
                   last_error = v.reason, {CLAIMED_BY}
              FROM (VALUES %s) AS v(id, reason, retry_s)
             WHERE a.id = v.id""",  # noqa: S608 - constant fragment
        [(article_id, reason, retry_s) for article_id, reason in refused],
        template="(%s::bigint, %s::text, %s::int)",
    )



def fail_tagging(cur, failed: Sequence[tuple[int, str]], retry_base_s: float,
                 max_backoff_s: float) -> None:
    """Release the tag claims of articles whose tagging failed, (id, reason), with the reason
    in ``last_error`` and their own retry time (``tag_retry_at``: ``retry_base_s`` doubled per
    failure, at most ``max_backoff_s``)."""
    if not failed:
        return
    execute_values(
        cur,
        f"""UPDATE articles a
               SET last_error = v.reason, tag_failures = a.tag_failures + 1,
                   tag_retry_at = now() + make_interval(secs => least(
                       v.cap, v.base * power(2, least(a.tag_failures, 40)))),
                   {TAG_RELEASED}
              FROM (VALUES %s) AS v(id, reason, base, cap)
             WHERE a.id = v.id""",  # noqa: S608 - constant fragment
        [(article_id, reason, retry_base_s, max_backoff_s) for article_id, reason in failed],
        template="(%s::bigint, %s::text, %s::float8, %s::float8)",
    )


# -- feeds to poll -------------------------------------------------------------------------------


def claim_feeds(conn, *, all_feeds: bool = False, lease_s: int = 600,
                feed_ids: Sequence[int] | None = None) -> list[tuple]:
    """Lease the active feeds due for polling (all active ones with ``all_feeds``; only those
    of ``feed_ids`` if given); returns their rows, the longest-waiting first.

    Row: (id, url, etag, last_modified, consecutive_failures, poll_interval_s). Recording the
    poll releases the feed (:data:`POLL_RELEASED`).
    """
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE feeds f SET poll_lease_until = now() + make_interval(secs => %(lease)s),
                       {CLAIMED_BY}
                FROM (SELECT id FROM feeds WHERE {_FEED_READY}
                      FOR UPDATE SKIP LOCKED) AS due
                WHERE f.id = due.id
                RETURNING f.id, f.url, f.etag, f.last_modified, f.consecutive_failures,
                          f.poll_interval_s, f.next_poll_at""",  # noqa: S608 - constant fragment
            {"lease": lease_s, "all": all_feeds,
             "ids": list(feed_ids) if feed_ids is not None else None},
        )
        found = cur.fetchall()
    found.sort(key=lambda r: (r[6] is not None, r[6] or 0, r[0]))
    return [row[:6] for row in found]
