"""The article work queue, kept in ``articles`` itself.

Each article carries its stage (``status``), failed attempts, last error, next attempt time and a
lease. A worker claims a batch with ``FOR UPDATE SKIP LOCKED`` and sets a lease, so concurrent
runs (several Airflow workers) never take the same article, and a worker killed mid-batch only
delays its articles until the lease expires.

Retry policy: temporary errors (network, timeouts, 5xx, 429) and 404s (feeds often list a page
before it is live) are retried with exponential back-off up to ``max_attempts``; other
permanent errors are recorded once and not retried automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from etl.errors import ClientError, FetchError, TemporaryError
from etl.settings import Settings
from etl.store import values
from etl.store.db import execute_values, transaction

# stage -> (status that feeds it, error_stage of its failures)
STAGES = {"fetch": "new", "extract": "fetched"}

_READY = """(
    (status = %(status)s OR (status = 'failed' AND error_stage = %(stage)s
                              AND next_attempt_at <= %(since)s))
    AND (lease_until IS NULL OR lease_until < now()
         OR NOT newsmon_session_alive(claimed_pid, claimed_backend_start)))"""

# Marks a claim with the claiming session (see sql/002_reliability.sql).
CLAIMED_BY = """claimed_pid = pg_backend_pid(),
    claimed_backend_start = (SELECT backend_start FROM pg_stat_activity
                             WHERE pid = pg_backend_pid())"""
RELEASED = "lease_until = NULL, claimed_pid = NULL, claimed_backend_start = NULL"
# The shard (0 .. shards - 1) of an article's host: stable, computed by PostgreSQL.
SHARD_OF_HOST = "mod(hashtext(host)::bigint + 2147483648, %(shards)s)"


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


def db_now(conn) -> datetime:
    with transaction(conn) as cur:
        cur.execute("SELECT now()")
        return cur.fetchone()[0]


def pending_count(conn, stage: str, since: datetime) -> int:
    with transaction(conn) as cur:
        cur.execute(
            f"SELECT count(*) FROM articles WHERE {_READY}",  # noqa: S608 - constant fragment
            {"status": STAGES[stage], "stage": stage, "since": since},
        )
        return cur.fetchone()[0]


def claim(
    conn, stage: str, settings: Settings, limit: int, since: datetime,
    shard: tuple[int, int] | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` articles ready for ``stage``.

    ``since`` is when this pass began: failures recorded during the pass get a later
    ``next_attempt_at``, so a pass never loops on its own failures. ``shard=(k, n)`` takes only
    articles whose host is in shard ``k`` of ``n`` (see :data:`SHARD_OF_HOST`), so that a host
    is only ever handled by one of ``n`` parallel workers.
    """
    only_shard = f" AND {SHARD_OF_HOST} = %(shard)s" if shard else ""
    with transaction(conn) as cur:
        cur.execute(
            f"""UPDATE articles a SET lease_until = now() + make_interval(secs => %(lease)s),
                       {CLAIMED_BY}
                FROM (SELECT id FROM articles WHERE {_READY}{only_shard}
                      ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS todo
                WHERE a.id = todo.id
                RETURNING a.id, a.url, a.host, a.attempts, a.feed_published_at,
                          a.feed_title""",  # noqa: S608 - constant fragment
            {
                "status": STAGES[stage], "stage": stage, "since": since,
                "lease": settings.lease_s, "limit": limit,
                "shard": shard[0] if shard else None, "shards": shard[1] if shard else None,
            },
        )
        return sorted((Claimed(*row) for row in cur.fetchall()), key=lambda c: c.id)


def failure_for(article_id: int, exc: FetchError) -> Failure:
    retry = isinstance(exc, TemporaryError) or (isinstance(exc, ClientError) and exc.status == 404)
    return Failure(
        article_id=article_id,
        error=f"{type(exc).__name__}: {exc}"[:1000],
        retry=retry,
        retry_after=getattr(exc, "retry_after", None),
        http_status=exc.status,
    )


def record_failures(cur, stage: str, failures: list[Failure], settings: Settings) -> None:
    """Mark articles failed at ``stage``, scheduling a retry where the policy allows one.

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
