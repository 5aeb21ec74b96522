-- 010_events: event records the way ACLED codes them (issue 11), per article and de-duplicated.
--
-- events holds what the tagger read from each article (etl/tagging/eventrecords.py), replaced
-- whenever the article is (re-)tagged (etl/store/events.py). analytics.events merges the reports
-- of one real event: articles of the same story, or the same day, sub-event type and place
-- within 25 km with compatible actors, are one row (ACLED's column names, plus source_count,
-- outlets and article ids). analytics.article_events keeps one row per article and event.
-- Same story means another article of the story (a wire copy, a light edit) and the same
-- event_index (its main event is the copy's main event).

CREATE TABLE events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id        bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    event_index       smallint NOT NULL CHECK (event_index >= 0),
    event_type        text NOT NULL,
    sub_event_type    text NOT NULL,
    sub_event_scores  jsonb NOT NULL DEFAULT '{}',
    event_date        date NOT NULL,
    time_precision    smallint NOT NULL CHECK (time_precision BETWEEN 1 AND 3),
    actor1            text,
    assoc_actor_1     text[] NOT NULL DEFAULT '{}',
    actor2            text,
    assoc_actor_2     text[] NOT NULL DEFAULT '{}',
    country           text NOT NULL DEFAULT '',
    country_code      text NOT NULL DEFAULT '',
    admin1            text NOT NULL DEFAULT '',
    location          text NOT NULL DEFAULT '',
    latitude          double precision,
    longitude         double precision,
    geo_precision     smallint CHECK (geo_precision BETWEEN 1 AND 3),
    fatalities        integer NOT NULL CHECK (fatalities >= 0),
    notes             text NOT NULL,
    offsets           jsonb NOT NULL DEFAULT '{}',
    taxonomy_version  text NOT NULL,
    UNIQUE (article_id, event_index)
);
CREATE INDEX events_date_idx ON events (event_date, sub_event_type);
CREATE INDEX events_country_date_idx ON events (country, event_date);

COMMENT ON TABLE events IS 'Events each article reports, coded like ACLED (issue 11): the main event first (event_index 0). Replaced when the article is re-tagged.';
COMMENT ON COLUMN events.id IS 'Surrogate key.';
COMMENT ON COLUMN events.article_id IS 'The article.';
COMMENT ON COLUMN events.event_index IS '0 for the article''s main event, 1, 2, ... for separate events it also reports (other places or days).';
COMMENT ON COLUMN events.event_type IS 'ACLED event type (Battles, Explosions/Remote violence, Violence against civilians, Protests, Riots, Strategic developments).';
COMMENT ON COLUMN events.sub_event_type IS 'ACLED sub-event type (Armed clash, Air/drone strike, Attack, Peaceful protest, ...).';
COMMENT ON COLUMN events.sub_event_scores IS 'Scores of the candidate sub-event types, {"Armed clash": 0.98, ...}.';
COMMENT ON COLUMN events.event_date IS 'When the event happened, resolved against the publication time ("on Friday", "yesterday").';
COMMENT ON COLUMN events.time_precision IS 'ACLED time precision: 1 the day, 2 the week, 3 the month is known.';
COMMENT ON COLUMN events.actor1 IS 'The actor who acted: a canonical actor id (entities.id) or an ACLED-style typed name ("Military Forces of Nigeria", "Unidentified Armed Group (Mexico)").';
COMMENT ON COLUMN events.assoc_actor_1 IS 'Actors acting with actor1.';
COMMENT ON COLUMN events.actor2 IS 'The actor acted upon ("Civilians (Yemen)", an armed group, ...).';
COMMENT ON COLUMN events.assoc_actor_2 IS 'Actors on actor2''s side.';
COMMENT ON COLUMN events.country IS 'Country name as ACLED writes it.';
COMMENT ON COLUMN events.country_code IS 'ISO 3166-1 alpha-2 code of the country.';
COMMENT ON COLUMN events.admin1 IS 'First-level region (province, state, governorate) when known; else empty.';
COMMENT ON COLUMN events.location IS 'The place: a town, else a region or the country (see geo_precision).';
COMMENT ON COLUMN events.latitude IS 'Latitude of the place (WGS84); NULL when no place was found.';
COMMENT ON COLUMN events.longitude IS 'Longitude of the place (WGS84); NULL when no place was found.';
COMMENT ON COLUMN events.geo_precision IS 'ACLED geo precision: 1 the town itself, 2 near it or part of a region, 3 a region or the country.';
COMMENT ON COLUMN events.fatalities IS 'Reported deaths by ACLED''s rules (never the injured; lowest credible figure; 3 when deaths are reported without a number).';
COMMENT ON COLUMN events.notes IS 'The evidence sentence.';
COMMENT ON COLUMN events.offsets IS 'Character offsets in articles.text each field was read from: {"actor1": [[start, end]], ...}.';
COMMENT ON COLUMN events.taxonomy_version IS 'Taxonomy version of the tagging run that made the record.';

-- Great-circle distance in km (no PostGIS or earthdistance needed).
CREATE FUNCTION newsmon_km(lat1 double precision, lon1 double precision,
                           lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 2 * 6371.0 * asin(least(1.0, sqrt(
        sin(radians($3 - $1) / 2) ^ 2
        + cos(radians($1)) * cos(radians($3)) * sin(radians($4 - $2) / 2) ^ 2)))
$$;
COMMENT ON FUNCTION newsmon_km(double precision, double precision, double precision, double precision) IS 'Great-circle distance in km between two WGS84 points.';

-- Two reports' actors are compatible when one names no actor or they share one (either role).
CREATE FUNCTION newsmon_actors_compatible(a1 text, a2 text, b1 text, b2 text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (a1 IS NULL AND a2 IS NULL) OR (b1 IS NULL AND b2 IS NULL)
        OR coalesce(a1 IN (b1, b2), false) OR coalesce(a2 IN (b1, b2), false)
$$;
COMMENT ON FUNCTION newsmon_actors_compatible(text, text, text, text) IS 'True when two events'' actors (actor1, actor2 each) may be the same event: one names none, or they share one.';

-- Each article event -> the first report (earliest published) of the same real event.
CREATE VIEW analytics.article_events AS
SELECT e.id AS article_event_id,
       (SELECT f.id FROM events f JOIN articles fa ON fa.id = f.article_id
        WHERE f.id = e.id
           OR (a.story_id IS NOT NULL AND fa.story_id = a.story_id
               AND f.article_id <> e.article_id AND f.event_index = e.event_index)
           OR (f.event_date = e.event_date AND f.sub_event_type = e.sub_event_type
               AND newsmon_km(f.latitude, f.longitude, e.latitude, e.longitude) <= 25
               AND newsmon_actors_compatible(f.actor1, f.actor2, e.actor1, e.actor2))
        ORDER BY fa.published_at NULLS LAST, fa.url, f.event_index
        LIMIT 1) AS event_id,
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
       e.offsets
FROM events e JOIN articles a ON a.id = e.article_id;

COMMENT ON VIEW analytics.article_events IS 'One row per event per article, as each article reports it; event_id names the de-duplicated event of analytics.events.';
COMMENT ON COLUMN analytics.article_events.article_event_id IS 'events.id.';
COMMENT ON COLUMN analytics.article_events.event_id IS 'The de-duplicated event (analytics.events.event_id): the article_event_id of the earliest published report of the same event (same story, or same day, sub-event type and place within 25 km with compatible actors).';
COMMENT ON COLUMN analytics.article_events.article_id IS 'The article.';
COMMENT ON COLUMN analytics.article_events.event_index IS '0 for the article''s main event.';
COMMENT ON COLUMN analytics.article_events.outlet IS 'The article''s outlet.';
COMMENT ON COLUMN analytics.article_events.url IS 'The article''s URL.';
COMMENT ON COLUMN analytics.article_events.title IS 'The article''s title.';
COMMENT ON COLUMN analytics.article_events.published_at IS 'Publication time.';
COMMENT ON COLUMN analytics.article_events.story_id IS 'The article''s story (articles.story_id).';
COMMENT ON COLUMN analytics.article_events.event_date IS 'When the event happened.';
COMMENT ON COLUMN analytics.article_events.time_precision IS 'ACLED time precision (1 day, 2 week, 3 month).';
COMMENT ON COLUMN analytics.article_events.event_type IS 'ACLED event type.';
COMMENT ON COLUMN analytics.article_events.sub_event_type IS 'ACLED sub-event type.';
COMMENT ON COLUMN analytics.article_events.sub_event_scores IS 'Scores of the candidate sub-event types.';
COMMENT ON COLUMN analytics.article_events.actor1 IS 'The actor who acted (actor id or typed name).';
COMMENT ON COLUMN analytics.article_events.assoc_actor_1 IS 'Actors acting with actor1.';
COMMENT ON COLUMN analytics.article_events.actor2 IS 'The actor acted upon.';
COMMENT ON COLUMN analytics.article_events.assoc_actor_2 IS 'Actors on actor2''s side.';
COMMENT ON COLUMN analytics.article_events.country IS 'Country name.';
COMMENT ON COLUMN analytics.article_events.country_code IS 'ISO 3166-1 alpha-2 country code.';
COMMENT ON COLUMN analytics.article_events.admin1 IS 'First-level region when known.';
COMMENT ON COLUMN analytics.article_events.location IS 'Town, region or country.';
COMMENT ON COLUMN analytics.article_events.latitude IS 'Latitude (WGS84).';
COMMENT ON COLUMN analytics.article_events.longitude IS 'Longitude (WGS84).';
COMMENT ON COLUMN analytics.article_events.geo_precision IS 'ACLED geo precision (1 town, 2 near it, 3 region or country).';
COMMENT ON COLUMN analytics.article_events.fatalities IS 'Reported deaths by ACLED''s rules.';
COMMENT ON COLUMN analytics.article_events.notes IS 'The evidence sentence.';
COMMENT ON COLUMN analytics.article_events.offsets IS 'Character offsets each field was read from.';

CREATE VIEW analytics.events AS
WITH grouped AS (
    SELECT ae.event_id,
           count(*) AS report_count,
           count(DISTINCT ae.outlet) AS source_count,
           array_agg(DISTINCT ae.outlet ORDER BY ae.outlet) AS outlets,
           array_agg(ae.article_id ORDER BY ae.article_id) AS article_ids,
           coalesce(min(ae.fatalities) FILTER (WHERE ae.fatalities > 0), 0) AS fatalities,
           min(ae.time_precision) AS time_precision,
           min(ae.geo_precision) AS geo_precision
    FROM analytics.article_events ae
    GROUP BY ae.event_id
)
SELECT g.event_id,
       r.event_date,
       g.time_precision,
       r.event_type,
       r.sub_event_type,
       r.actor1,
       array_to_string(r.assoc_actor_1, '; ') AS assoc_actor_1,
       r.actor2,
       array_to_string(r.assoc_actor_2, '; ') AS assoc_actor_2,
       r.country,
       r.admin1,
       r.location,
       r.latitude,
       r.longitude,
       coalesce(r.geo_precision, g.geo_precision) AS geo_precision,
       g.fatalities,
       r.notes,
       array_to_string(g.outlets, '; ') AS source,
       g.source_count,
       g.report_count,
       g.outlets,
       g.article_ids
FROM grouped g JOIN events r ON r.id = g.event_id;

COMMENT ON VIEW analytics.events IS 'One row per real event with ACLED''s column names: the reports of several outlets (or one outlet twice) merged; put it beside an ACLED export in one query.';
COMMENT ON COLUMN analytics.events.event_id IS 'Event id: the article event of its earliest published report (analytics.article_events.article_event_id).';
COMMENT ON COLUMN analytics.events.event_date IS 'When the event happened (as its first report dates it).';
COMMENT ON COLUMN analytics.events.time_precision IS 'ACLED time precision, the best among the reports (1 day, 2 week, 3 month).';
COMMENT ON COLUMN analytics.events.event_type IS 'ACLED event type.';
COMMENT ON COLUMN analytics.events.sub_event_type IS 'ACLED sub-event type.';
COMMENT ON COLUMN analytics.events.actor1 IS 'The actor who acted (actor id or ACLED-style typed name).';
COMMENT ON COLUMN analytics.events.assoc_actor_1 IS 'Actors acting with actor1, separated by "; " as in ACLED exports.';
COMMENT ON COLUMN analytics.events.actor2 IS 'The actor acted upon.';
COMMENT ON COLUMN analytics.events.assoc_actor_2 IS 'Actors on actor2''s side, separated by "; ".';
COMMENT ON COLUMN analytics.events.country IS 'Country name.';
COMMENT ON COLUMN analytics.events.admin1 IS 'First-level region when known.';
COMMENT ON COLUMN analytics.events.location IS 'Town, region or country.';
COMMENT ON COLUMN analytics.events.latitude IS 'Latitude (WGS84).';
COMMENT ON COLUMN analytics.events.longitude IS 'Longitude (WGS84).';
COMMENT ON COLUMN analytics.events.geo_precision IS 'ACLED geo precision (1 town, 2 near it, 3 region or country).';
COMMENT ON COLUMN analytics.events.fatalities IS 'Reported deaths: the lowest figure any report gives (reports without deaths aside), by ACLED''s rules.';
COMMENT ON COLUMN analytics.events.notes IS 'The evidence sentence of the first report.';
COMMENT ON COLUMN analytics.events.source IS 'The outlets that reported it, separated by "; " (ACLED''s source column).';
COMMENT ON COLUMN analytics.events.source_count IS 'Distinct outlets that reported it.';
COMMENT ON COLUMN analytics.events.report_count IS 'Article reports merged into this row (an outlet may report twice).';
COMMENT ON COLUMN analytics.events.outlets IS 'The outlets, as an array.';
COMMENT ON COLUMN analytics.events.article_ids IS 'The articles reporting it.';

GRANT SELECT ON events, analytics.article_events, analytics.events TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_km(double precision, double precision, double precision, double precision) TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_actors_compatible(text, text, text, text) TO newsmon_reader;
