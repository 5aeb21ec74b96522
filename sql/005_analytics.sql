-- 005_analytics: the analyst views (schema analytics). Each answers a family of questions in one
-- short query; see docs/cookbook.md. All are plain views over the tables, so they are always
-- current; the indexes below keep them index-backed on large warehouses.

CREATE INDEX IF NOT EXISTS feed_articles_first_seen_idx ON feed_articles (article_id, first_seen_at);
CREATE INDEX IF NOT EXISTS article_mentions_entity_article_idx ON article_mentions (entity_id, article_id);
-- covering indexes: a day's articles join their mentions and tags without touching the heap
CREATE INDEX IF NOT EXISTS article_mentions_article_cover_idx ON article_mentions (article_id) INCLUDE (entity_id);
CREATE INDEX IF NOT EXISTS article_tags_article_cover_idx ON article_tags (article_id) INCLUDE (category_id, parent_id, score);
CREATE INDEX IF NOT EXISTS article_places_geonameid_idx ON article_places (geonameid);
CREATE INDEX IF NOT EXISTS article_places_name_idx ON article_places (name, article_id);
CREATE INDEX IF NOT EXISTS articles_published_day_idx ON articles (((published_at AT TIME ZONE 'UTC')::date));
CREATE INDEX IF NOT EXISTS articles_problems_idx ON articles (status) WHERE status IN ('failed', 'skipped');
CREATE INDEX IF NOT EXISTS articles_extracted_published_idx ON articles (published_at DESC, id) WHERE status = 'extracted';

-- The outlet of an article: the site's own name, else the title of the first feed listing it.
CREATE FUNCTION newsmon_outlet(article_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT site_name FROM articles WHERE id = $1),
        (SELECT f.title FROM feed_articles fa JOIN feeds f ON f.id = fa.feed_id
         WHERE fa.article_id = $1 ORDER BY fa.first_seen_at, f.id LIMIT 1),
        (SELECT host FROM articles WHERE id = $1))
$$;
COMMENT ON FUNCTION newsmon_outlet(bigint) IS 'Outlet of an article: its site name, else the first feed listing it, else its host.';

CREATE VIEW analytics.articles AS
SELECT a.id AS article_id,
       newsmon_outlet(a.id) AS outlet,
       a.url,
       a.title,
       a.published_at,
       a.language,
       a.relevance,
       a.is_conflict,
       a.story_id,
       coalesce((SELECT array_agg(t.category_id ORDER BY t.score DESC, t.category_id)
                 FROM article_tags t WHERE t.article_id = a.id AND t.score >= 0.45),
                '{}') AS categories,
       coalesce((SELECT array_agg(DISTINCT m.entity_id ORDER BY m.entity_id)
                 FROM article_mentions m JOIN entities e ON e.id = m.entity_id
                 WHERE m.article_id = a.id AND e.type = 'organization' AND e.kind IS NOT NULL),
                '{}') AS actors,
       coalesce((SELECT array_agg(DISTINCT p.name ORDER BY p.name)
                 FROM article_places p WHERE p.article_id = a.id), '{}') AS places,
       coalesce((SELECT array_agg(DISTINCT p.country_code ORDER BY p.country_code)
                 FROM article_places p WHERE p.article_id = a.id), '{}') AS countries,
       (SELECT array_agg(f.title ORDER BY fa.first_seen_at, f.id)
        FROM feed_articles fa JOIN feeds f ON f.id = fa.feed_id
        WHERE fa.article_id = a.id) AS feeds
FROM articles a
WHERE a.status = 'extracted';

COMMENT ON VIEW analytics.articles IS 'One row per extracted article with its outlet, tags, actors and places as arrays.';
COMMENT ON COLUMN analytics.articles.article_id IS 'articles.id.';
COMMENT ON COLUMN analytics.articles.outlet IS 'Outlet: the site name from the page, else the first feed''s title, else the host.';
COMMENT ON COLUMN analytics.articles.url IS 'Canonical URL.';
COMMENT ON COLUMN analytics.articles.title IS 'Title.';
COMMENT ON COLUMN analytics.articles.published_at IS 'Publication time.';
COMMENT ON COLUMN analytics.articles.language IS 'Detected language (ISO 639-1).';
COMMENT ON COLUMN analytics.articles.relevance IS 'Conflict relevance score in [0, 1).';
COMMENT ON COLUMN analytics.articles.is_conflict IS 'Conflict-related (relevance >= 0.5).';
COMMENT ON COLUMN analytics.articles.story_id IS 'Story cluster (near-duplicates share it); see analytics.stories.';
COMMENT ON COLUMN analytics.articles.categories IS 'Taxonomy categories present (score >= 0.45), strongest first.';
COMMENT ON COLUMN analytics.articles.actors IS 'Canonical ids of the armed groups, forces and bodies mentioned (entities.id).';
COMMENT ON COLUMN analytics.articles.places IS 'Names of the places mentioned (resolved to GeoNames).';
COMMENT ON COLUMN analytics.articles.countries IS 'ISO 3166-1 alpha-2 codes of the places mentioned.';
COMMENT ON COLUMN analytics.articles.feeds IS 'Titles of the feeds that listed the article, first first.';

CREATE VIEW analytics.article_places AS
SELECT p.article_id,
       a.url,
       a.title,
       a.published_at,
       a.is_conflict,
       a.story_id,
       p.geonameid,
       p.name,
       p.country_code,
       p.lat AS latitude,
       p.lon AS longitude,
       p.feature,
       count(*)::int AS mentions,
       min(p.snippet) AS snippet
FROM article_places p JOIN articles a ON a.id = p.article_id
GROUP BY p.article_id, a.url, a.title, a.published_at, a.is_conflict, a.story_id,
         p.geonameid, p.name, p.country_code, p.lat, p.lon, p.feature;

COMMENT ON VIEW analytics.article_places IS 'One row per (article, place), with coordinates: ready for a map.';
COMMENT ON COLUMN analytics.article_places.article_id IS 'The article.';
COMMENT ON COLUMN analytics.article_places.url IS 'Article URL.';
COMMENT ON COLUMN analytics.article_places.title IS 'Article title.';
COMMENT ON COLUMN analytics.article_places.published_at IS 'Article publication time.';
COMMENT ON COLUMN analytics.article_places.is_conflict IS 'The article is conflict-related.';
COMMENT ON COLUMN analytics.article_places.story_id IS 'Story cluster of the article.';
COMMENT ON COLUMN analytics.article_places.geonameid IS 'GeoNames id of the place.';
COMMENT ON COLUMN analytics.article_places.name IS 'Place name (GeoNames).';
COMMENT ON COLUMN analytics.article_places.country_code IS 'ISO 3166-1 alpha-2 country of the place.';
COMMENT ON COLUMN analytics.article_places.latitude IS 'Latitude (WGS 84).';
COMMENT ON COLUMN analytics.article_places.longitude IS 'Longitude (WGS 84).';
COMMENT ON COLUMN analytics.article_places.feature IS 'Kind of place (country, town, ...).';
COMMENT ON COLUMN analytics.article_places.mentions IS 'Times the article mentions the place.';
COMMENT ON COLUMN analytics.article_places.snippet IS 'A snippet around one mention.';

CREATE VIEW analytics.daily_category_counts AS
SELECT (a.published_at AT TIME ZONE 'UTC')::date AS day,
       t.category_id,
       t.parent_id,
       count(*)::int AS articles,
       count(DISTINCT a.story_id)::int AS stories,
       count(*) FILTER (WHERE a.is_conflict)::int AS conflict_articles
FROM article_tags t JOIN articles a ON a.id = t.article_id
WHERE t.score >= 0.45 AND a.published_at IS NOT NULL
GROUP BY 1, 2, 3;

COMMENT ON VIEW analytics.daily_category_counts IS 'Articles and stories per UTC day and taxonomy category (present categories only).';
COMMENT ON COLUMN analytics.daily_category_counts.day IS 'UTC day of publication.';
COMMENT ON COLUMN analytics.daily_category_counts.category_id IS 'Taxonomy category.';
COMMENT ON COLUMN analytics.daily_category_counts.parent_id IS 'Parent category (ACLED event type of a sub-event type).';
COMMENT ON COLUMN analytics.daily_category_counts.articles IS 'Articles tagged with the category that day.';
COMMENT ON COLUMN analytics.daily_category_counts.stories IS 'Distinct stories among them (wire copies counted once).';
COMMENT ON COLUMN analytics.daily_category_counts.conflict_articles IS 'Of which flagged conflict-related.';

CREATE VIEW analytics.actor_daily_mentions AS
SELECT (a.published_at AT TIME ZONE 'UTC')::date AS day,
       e.id AS actor_id,
       e.name AS actor_name,
       e.kind AS actor_kind,
       e.country AS actor_country,
       count(*)::int AS mentions,
       count(DISTINCT m.article_id)::int AS articles,
       count(DISTINCT a.story_id)::int AS stories
FROM article_mentions m
JOIN entities e ON e.id = m.entity_id
JOIN articles a ON a.id = m.article_id
WHERE e.type = 'organization' AND e.kind IS NOT NULL AND a.published_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

COMMENT ON VIEW analytics.actor_daily_mentions IS 'Mentions of each armed group, force or international body per UTC day.';
COMMENT ON COLUMN analytics.actor_daily_mentions.day IS 'UTC day of publication.';
COMMENT ON COLUMN analytics.actor_daily_mentions.actor_id IS 'Canonical actor id (entities.id), e.g. isis, pmf.';
COMMENT ON COLUMN analytics.actor_daily_mentions.actor_name IS 'Canonical name.';
COMMENT ON COLUMN analytics.actor_daily_mentions.actor_kind IS 'Kind of actor (jihadist_group, militia, state_forces, ...).';
COMMENT ON COLUMN analytics.actor_daily_mentions.actor_country IS 'Home country (ISO alpha-2; XX for international).';
COMMENT ON COLUMN analytics.actor_daily_mentions.mentions IS 'Mentions that day (any alias).';
COMMENT ON COLUMN analytics.actor_daily_mentions.articles IS 'Articles mentioning the actor that day.';
COMMENT ON COLUMN analytics.actor_daily_mentions.stories IS 'Distinct stories among them.';

CREATE VIEW analytics.actor_cooccurrence AS
SELECT x.entity_id AS actor_a,
       ea.name AS actor_a_name,
       y.entity_id AS actor_b,
       eb.name AS actor_b_name,
       count(DISTINCT x.article_id)::int AS articles,
       count(DISTINCT a.story_id)::int AS stories,
       min(a.published_at) AS first_seen,
       max(a.published_at) AS last_seen
FROM article_mentions x
JOIN entities ea ON ea.id = x.entity_id AND ea.type = 'organization' AND ea.kind IS NOT NULL
JOIN article_mentions y ON y.article_id = x.article_id AND y.entity_id <> x.entity_id
JOIN entities eb ON eb.id = y.entity_id AND eb.type = 'organization' AND eb.kind IS NOT NULL
JOIN articles a ON a.id = x.article_id
GROUP BY 1, 2, 3, 4;

COMMENT ON VIEW analytics.actor_cooccurrence IS 'Actors mentioned in the same article, with how often. Each pair appears in both orders: filter actor_a to ask who appears with an actor; add actor_a < actor_b to list each pair once.';
COMMENT ON COLUMN analytics.actor_cooccurrence.actor_a IS 'An actor id (entities.id).';
COMMENT ON COLUMN analytics.actor_cooccurrence.actor_a_name IS 'Its canonical name.';
COMMENT ON COLUMN analytics.actor_cooccurrence.actor_b IS 'An actor mentioned in the same articles.';
COMMENT ON COLUMN analytics.actor_cooccurrence.actor_b_name IS 'Its canonical name.';
COMMENT ON COLUMN analytics.actor_cooccurrence.articles IS 'Articles mentioning both.';
COMMENT ON COLUMN analytics.actor_cooccurrence.stories IS 'Distinct stories among them.';
COMMENT ON COLUMN analytics.actor_cooccurrence.first_seen IS 'Earliest publication time of such an article.';
COMMENT ON COLUMN analytics.actor_cooccurrence.last_seen IS 'Latest publication time of such an article.';

CREATE TABLE stories (
    id                 bigint PRIMARY KEY,
    article_count      integer NOT NULL,
    outlet_count       integer NOT NULL,
    first_article_id   bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    first_published_at timestamptz,
    last_published_at  timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stories_first_published_idx ON stories (first_published_at DESC);
COMMENT ON TABLE stories IS 'Story clusters, maintained by the clustering stage (etl/stories.py) as articles join them.';
COMMENT ON COLUMN stories.id IS 'Story id (articles.story_id): the id of its first clustered article.';
COMMENT ON COLUMN stories.article_count IS 'Articles in the story.';
COMMENT ON COLUMN stories.outlet_count IS 'Distinct outlets among them.';
COMMENT ON COLUMN stories.first_article_id IS 'The earliest published article of the story.';
COMMENT ON COLUMN stories.first_published_at IS 'Its publication time.';
COMMENT ON COLUMN stories.last_published_at IS 'Latest publication time in the story.';
COMMENT ON COLUMN stories.updated_at IS 'Last time an article joined.';

INSERT INTO stories (id, article_count, outlet_count, first_article_id, first_published_at,
                     last_published_at)
SELECT story_id, count(*), count(DISTINCT newsmon_outlet(id)),
       (array_agg(id ORDER BY published_at NULLS LAST, id))[1], min(published_at),
       max(published_at)
FROM articles WHERE story_id IS NOT NULL GROUP BY story_id;

CREATE VIEW analytics.stories AS
SELECT s.id AS story_id,
       first.title,
       s.article_count,
       s.outlet_count,
       s.first_published_at,
       newsmon_outlet(s.first_article_id) AS first_outlet,
       s.last_published_at,
       (SELECT array_agg(DISTINCT newsmon_outlet(a.id)) FROM articles a
        WHERE a.story_id = s.id) AS outlets,
       EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id AND a.is_conflict)
           AS is_conflict
FROM stories s JOIN articles first ON first.id = s.first_article_id;

COMMENT ON VIEW analytics.stories IS 'One row per story: near-duplicate articles (wire copies, light edits) grouped, with who published first.';
COMMENT ON COLUMN analytics.stories.story_id IS 'Story id (articles.story_id).';
COMMENT ON COLUMN analytics.stories.title IS 'Title of the earliest article of the story.';
COMMENT ON COLUMN analytics.stories.article_count IS 'Articles in the story.';
COMMENT ON COLUMN analytics.stories.outlet_count IS 'Distinct outlets that carried it.';
COMMENT ON COLUMN analytics.stories.first_published_at IS 'Earliest publication time.';
COMMENT ON COLUMN analytics.stories.first_outlet IS 'Outlet of the earliest article: who reported it first.';
COMMENT ON COLUMN analytics.stories.last_published_at IS 'Latest publication time.';
COMMENT ON COLUMN analytics.stories.outlets IS 'The outlets that carried it.';
COMMENT ON COLUMN analytics.stories.is_conflict IS 'Any of its articles is conflict-related.';

GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_outlet(bigint) TO newsmon_reader;
