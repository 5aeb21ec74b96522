-- 002_reliability: crash-safe work claims, feed poll leases, the feed-health view and the
-- read-only analyst role.

-- Work claimed by a run is tagged with the claiming database session. A run killed with
-- SIGKILL (or a PostgreSQL restart) ends its session, so its claims are free at once instead of
-- waiting for lease_until; the lease remains the fallback for sessions that linger.
ALTER TABLE articles
    ADD COLUMN claimed_pid integer,
    ADD COLUMN claimed_backend_start timestamptz;
COMMENT ON COLUMN articles.claimed_pid IS 'Backend pid of the database session holding the lease (with claimed_backend_start).';
COMMENT ON COLUMN articles.claimed_backend_start IS 'Start time of that session: a claim whose session has ended is free.';

ALTER TABLE feeds
    ADD COLUMN poll_lease_until timestamptz,
    ADD COLUMN claimed_pid integer,
    ADD COLUMN claimed_backend_start timestamptz;
COMMENT ON COLUMN feeds.poll_lease_until IS 'Set while a run polls the feed, so concurrent runs do not poll it twice.';
COMMENT ON COLUMN feeds.claimed_pid IS 'Backend pid of the session polling the feed.';
COMMENT ON COLUMN feeds.claimed_backend_start IS 'Start time of that session: a claim whose session has ended is free.';

ALTER TABLE feed_polls ADD COLUMN entries_unusable integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN feed_polls.entries_unusable IS 'Entries dropped for lack of a usable link (missing, javascript:, data:, absurdly long, ...).';

-- True when the session that made a claim is still connected.
CREATE FUNCTION newsmon_session_alive(pid integer, backend_start timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_stat_activity s
                   WHERE s.pid = $1 AND s.backend_start = $2)
$$;
COMMENT ON FUNCTION newsmon_session_alive(integer, timestamptz) IS 'Whether the database session that claimed work is still alive.';

CREATE SCHEMA IF NOT EXISTS analytics;
COMMENT ON SCHEMA analytics IS 'Documented read-only views for analysts.';

CREATE VIEW analytics.feed_health AS
SELECT f.id AS feed_id,
       f.title,
       f.url,
       f.active,
       CASE
           WHEN f.last_polled_at IS NULL THEN 'never_polled'
           WHEN f.consecutive_failures > 0 THEN 'failing'
           WHEN f.redirected_to IS NOT NULL THEN 'redirected'
           WHEN coalesce(stats.last_new_article_at, f.added_at) < now() - interval '3 days'
               THEN 'silent'
           ELSE 'ok'
       END AS health,
       f.consecutive_failures,
       f.last_status,
       f.last_error,
       f.last_polled_at,
       f.last_success_at,
       f.next_poll_at,
       f.redirected_to,
       stats.last_new_article_at,
       coalesce(stats.polls_24h, 0) AS polls_24h,
       coalesce(stats.failed_polls_24h, 0) AS failed_polls_24h,
       coalesce(stats.new_articles_7d, 0) AS new_articles_7d
FROM feeds f
LEFT JOIN LATERAL (
    SELECT max(p.polled_at) FILTER (WHERE p.new_articles > 0) AS last_new_article_at,
           count(*) FILTER (WHERE p.polled_at > now() - interval '24 hours') AS polls_24h,
           count(*) FILTER (WHERE p.polled_at > now() - interval '24 hours'
                            AND p.error IS NOT NULL) AS failed_polls_24h,
           sum(p.new_articles) FILTER (WHERE p.polled_at > now() - interval '7 days')
               AS new_articles_7d
    FROM feed_polls p WHERE p.feed_id = f.id
) stats ON true;

COMMENT ON VIEW analytics.feed_health IS 'One row per feed: is it healthy, failing, silent or redirected, and why.';
COMMENT ON COLUMN analytics.feed_health.feed_id IS 'The feed (feeds.id).';
COMMENT ON COLUMN analytics.feed_health.title IS 'Feed title.';
COMMENT ON COLUMN analytics.feed_health.url IS 'Feed address as configured.';
COMMENT ON COLUMN analytics.feed_health.active IS 'Still in the feed list.';
COMMENT ON COLUMN analytics.feed_health.health IS 'never_polled, failing (last poll failed; retried with capped back-off, never dropped), redirected (moved permanently: update the list), silent (no new article for 3 days) or ok.';
COMMENT ON COLUMN analytics.feed_health.consecutive_failures IS 'Failed polls since the last success.';
COMMENT ON COLUMN analytics.feed_health.last_status IS 'HTTP status of the last poll.';
COMMENT ON COLUMN analytics.feed_health.last_error IS 'Error of the last failed poll.';
COMMENT ON COLUMN analytics.feed_health.last_polled_at IS 'Last poll attempt.';
COMMENT ON COLUMN analytics.feed_health.last_success_at IS 'Last successful poll (200 or 304).';
COMMENT ON COLUMN analytics.feed_health.next_poll_at IS 'When the feed is polled next (later while backing off).';
COMMENT ON COLUMN analytics.feed_health.redirected_to IS 'Permanent redirect target, if any.';
COMMENT ON COLUMN analytics.feed_health.last_new_article_at IS 'Last poll that found a new article.';
COMMENT ON COLUMN analytics.feed_health.polls_24h IS 'Polls in the last 24 hours.';
COMMENT ON COLUMN analytics.feed_health.failed_polls_24h IS 'Failed polls in the last 24 hours.';
COMMENT ON COLUMN analytics.feed_health.new_articles_7d IS 'New articles found in the last 7 days.';

-- The analysts' role: read everything, change nothing. Roles are cluster-wide, so it may exist
-- already (another newsmon database on the same server). Grant it to login roles:
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE newsmon_reader;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'newsmon_reader') THEN
        CREATE ROLE newsmon_reader NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public, analytics TO newsmon_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public, analytics TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_session_alive(integer, timestamptz) TO newsmon_reader;
-- tables and views of later migrations (run by the same owner) are readable too
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO newsmon_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO newsmon_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
