-- 014_languages: the article's language in the analytics views of events, and a view of articles per language.
--
-- Full-text search already parses each article in its language's PostgreSQL configuration
-- (newsmon_ts_config, 004; simple where PostgreSQL has none, e.g. Ukrainian and Persian), so
-- search needs no change. A view may only gain columns at its end (CREATE OR REPLACE VIEW):
-- analytics.article_events gets `language` there; analytics.language_counts is new.

CREATE OR REPLACE VIEW analytics.article_events AS
SELECT e.id AS article_event_id,
       e.cluster_id AS event_id,
       e.article_id,
       e.event_index,
       newsmon_outlet(e.article_id) AS outlet,
       a.url,
       a.title,
       a.published_at,
       a.story_id,
       e.event_date,
       e.time_precision,
       e.event_type,
       e.sub_event_type,
       e.sub_event_scores,
       e.actor1,
       e.assoc_actor_1,
       e.actor2,
       e.assoc_actor_2,
       e.country,
       e.country_code,
       e.admin1,
       e.location,
       e.latitude,
       e.longitude,
       e.geo_precision,
       e.fatalities,
       e.notes,
       e.offsets,
       e.cluster_id IS NOT NULL AND e.id = c.representative_id AS is_representative,
       a.language
FROM events e JOIN articles a ON a.id = e.article_id
     LEFT JOIN event_clusters c ON c.event_id = e.cluster_id;

COMMENT ON COLUMN analytics.article_events.language IS 'Detected language of the reporting article (ISO 639-1), which chose how it was tagged (docs/multilingual.md).';

CREATE VIEW analytics.language_counts AS
SELECT coalesce(a.language, 'und') AS language,
       count(*) AS articles,
       count(*) FILTER (WHERE a.status = 'extracted') AS extracted,
       count(DISTINCT e.article_id) AS articles_with_events,
       min(a.published_at) AS first_published,
       max(a.published_at) AS last_published
FROM articles a LEFT JOIN events e ON e.article_id = a.id AND e.event_index = 0
GROUP BY coalesce(a.language, 'und');

COMMENT ON VIEW analytics.language_counts IS 'Articles per detected language: how many, how many extracted, how many report an event.';
COMMENT ON COLUMN analytics.language_counts.language IS 'ISO 639-1 code; und when no language was detected.';
COMMENT ON COLUMN analytics.language_counts.articles IS 'Articles in that language.';
COMMENT ON COLUMN analytics.language_counts.extracted IS 'Of which extracted (text stored).';
COMMENT ON COLUMN analytics.language_counts.articles_with_events IS 'Of which report at least one event.';
COMMENT ON COLUMN analytics.language_counts.first_published IS 'Earliest publication time.';
COMMENT ON COLUMN analytics.language_counts.last_published IS 'Latest publication time.';

GRANT SELECT ON analytics.article_events, analytics.language_counts TO newsmon_reader;
