-- 009_geo: geoparsing (issue 12). Places carry their first-level region and the resolver's
-- confidence; the analyst views gain both so that a map can keep confident places only.
-- Places that GeoNames lacks (regions derived from towns, ACLED's villages) have a negative id.

ALTER TABLE article_places ADD COLUMN IF NOT EXISTS admin1 text NOT NULL DEFAULT '';
ALTER TABLE article_places ADD COLUMN IF NOT EXISTS confidence real NOT NULL DEFAULT 1.0;
ALTER TABLE article_places ADD COLUMN IF NOT EXISTS demonym boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN article_places.admin1 IS 'First-level region of the place (province, state, governorate), GeoNames spelling; empty for countries.';
COMMENT ON COLUMN article_places.confidence IS 'How sure the resolver is of the place, 0-1 (0.7 and more: the article''s own context supports it).';
COMMENT ON COLUMN article_places.demonym IS 'The text names the people (Iraqi), the place is their country.';
COMMENT ON COLUMN article_places.geonameid IS 'GeoNames id of the place; negative for places GeoNames lacks (regions derived from towns, ACLED conflict locations).';
COMMENT ON COLUMN article_places.feature IS 'country, admin1, admin2, capital, town, village or continent.';

CREATE OR REPLACE VIEW analytics.article_places AS
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
       min(p.snippet) AS snippet,
       p.admin1,
       max(p.confidence) AS confidence
FROM article_places p JOIN articles a ON a.id = p.article_id
GROUP BY p.article_id, a.url, a.title, a.published_at, a.is_conflict, a.story_id,
         p.geonameid, p.name, p.country_code, p.lat, p.lon, p.feature, p.admin1;

COMMENT ON COLUMN analytics.article_places.admin1 IS 'First-level region of the place (province, state, governorate).';
COMMENT ON COLUMN analytics.article_places.confidence IS 'The resolver''s highest confidence for the place in the article, 0-1; filter confidence >= 0.7 for places the article''s context supports.';
COMMENT ON COLUMN analytics.article_places.geonameid IS 'GeoNames id of the place; negative for places GeoNames lacks (derived regions, ACLED conflict locations).';
COMMENT ON COLUMN analytics.article_places.feature IS 'Kind of place: country, admin1, admin2, capital, town, village or continent.';

COMMENT ON COLUMN entities.id IS 'Canonical id: the actor id (e.g. isis, pmf), geonames:<geonameid> for a GeoNames place, or place:<n> for a place GeoNames lacks (a region derived from towns, an ACLED conflict location).';
COMMENT ON COLUMN entities.kind IS 'Actor kind (jihadist_group, militia, state_forces, international, ...) or place feature (country, admin1, admin2, capital, town, village, continent).';
