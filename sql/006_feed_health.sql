-- 006_feed_health: one definition of feed health, with the silent period as a parameter.
-- Used by the view analytics.feed_health (silent after 7 days) and by the maintenance DAG's
-- feed_health task (its silent_days param). Until now the two disagreed: the view called a feed
-- silent after 3 days without a poll that found a new article, the task after 7 days without a
-- new article in feed_articles.
--
-- Silent: the feed has listed no article it had not listed before for `silent` (a feed that
-- never listed any counts from when it was added). feed_articles is the source, not
-- feed_polls.new_articles: a wire feed whose stories also come through another feed is not
-- silent, although none of its articles is new to the warehouse.

CREATE INDEX IF NOT EXISTS feed_articles_feed_first_seen_idx
    ON feed_articles (feed_id, first_seen_at DESC);

CREATE FUNCTION newsmon_feed_health(silent interval DEFAULT interval '7 days')
RETURNS TABLE (feed_id bigint, health text, failing boolean, redirected boolean,
               is_silent boolean, last_new_article_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT f.id,
           CASE
               WHEN f.last_polled_at IS NULL THEN 'never_polled'
               WHEN f.consecutive_failures > 0 THEN 'failing'
               WHEN f.redirected_to IS NOT NULL THEN 'redirected'
               WHEN coalesce(latest.at, f.added_at) < now() - silent THEN 'silent'
               ELSE 'ok'
           END,
           f.consecutive_failures > 0,
           f.redirected_to IS NOT NULL,
           coalesce(latest.at, f.added_at) < now() - silent,
           latest.at
    FROM feeds f
    LEFT JOIN LATERAL (SELECT max(fa.first_seen_at) AS at
                       FROM feed_articles fa WHERE fa.feed_id = f.id) latest ON true
$$;
COMMENT ON FUNCTION newsmon_feed_health(interval) IS 'Health of every feed: never_polled, failing, redirected, silent (nothing newly listed for the given period, 7 days by default) or ok; with each condition as a flag (a feed can be failing and silent).';
GRANT EXECUTE ON FUNCTION newsmon_feed_health(interval) TO newsmon_reader;

CREATE OR REPLACE VIEW analytics.feed_health AS
SELECT f.id AS feed_id,
       f.title,
       f.url,
       f.active,
       h.health,
       f.consecutive_failures,
       f.last_status,
       f.last_error,
       f.last_polled_at,
       f.last_success_at,
       f.next_poll_at,
       f.redirected_to,
       h.last_new_article_at,
       coalesce(stats.polls_24h, 0) AS polls_24h,
       coalesce(stats.failed_polls_24h, 0) AS failed_polls_24h,
       coalesce(stats.new_articles_7d, 0) AS new_articles_7d
FROM feeds f
JOIN newsmon_feed_health() h ON h.feed_id = f.id
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE p.polled_at > now() - interval '24 hours') AS polls_24h,
           count(*) FILTER (WHERE p.polled_at > now() - interval '24 hours'
                            AND p.error IS NOT NULL) AS failed_polls_24h,
           sum(p.new_articles) FILTER (WHERE p.polled_at > now() - interval '7 days')
               AS new_articles_7d
    FROM feed_polls p WHERE p.feed_id = f.id AND p.polled_at > now() - interval '7 days'
) stats ON true;

COMMENT ON COLUMN analytics.feed_health.health IS 'never_polled, failing (last poll failed; retried with capped back-off, never dropped), redirected (moved permanently: update the list), silent (no newly listed article for 7 days; newsmon_feed_health(interval) takes another period) or ok.';
COMMENT ON COLUMN analytics.feed_health.last_new_article_at IS 'When the feed last listed an article it had not listed before.';
