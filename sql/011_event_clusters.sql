-- 011_event_clusters: one row per real event, computed once when events are stored (issue 17.6,
-- issue 21.5).
--
-- 010 merged the reports of one event in a correlated subquery that every query of
-- analytics.events ran for every event over all articles (52 s for 8,000 events), and its rule
-- was not transitive: a report naming no actors was compatible with every event. Now the store
-- path (etl/store/eventclusters.py) assigns each report (events row) to a cluster with a
-- representative, by a rule transitive by construction, and writes one event_clusters row per
-- real event. The views keep their names and columns (new columns are appended) and read the
-- stored clusters: no view computes event identity any more.

ALTER TABLE events ADD COLUMN cluster_id bigint, ADD COLUMN outlet text;
COMMENT ON COLUMN events.outlet IS 'The article''s outlet (newsmon_outlet) when the report was stored: clustering counts sources without re-deriving it.';
COMMENT ON COLUMN events.cluster_id IS 'The real event this report belongs to (event_clusters.event_id); NULL until the store path has clustered it.';
CREATE INDEX events_cluster_idx ON events (cluster_id);
-- reports still to cluster (after this migration, or after a failed clustering step)
CREATE INDEX events_unclustered_idx ON events (event_date, sub_event_type, country) WHERE cluster_id IS NULL;

CREATE TABLE event_clusters (
    event_id          bigint PRIMARY KEY,
    representative_id bigint NOT NULL,
    event_date        date NOT NULL,
    time_precision    smallint NOT NULL,
    event_type        text NOT NULL,
    sub_event_type    text NOT NULL,
    actor1            text,
    actor2            text,
    country           text NOT NULL DEFAULT '',
    admin1            text NOT NULL DEFAULT '',
    location          text NOT NULL DEFAULT '',
    latitude          double precision,
    longitude         double precision,
    geo_precision     smallint,
    fatalities        integer NOT NULL,
    fatalities_min    integer NOT NULL,
    fatalities_max    integer NOT NULL,
    source_count      integer NOT NULL,
    report_count      integer NOT NULL,
    outlets           text[] NOT NULL,
    article_ids       bigint[] NOT NULL,
    article_event_ids bigint[] NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_clusters_date_idx ON event_clusters (event_date, sub_event_type);
CREATE INDEX event_clusters_country_date_idx ON event_clusters (country, event_date);
CREATE INDEX event_clusters_representative_idx ON event_clusters (representative_id);

COMMENT ON TABLE event_clusters IS 'One row per real event: the reports (events rows) of one event merged, written by the store path whenever a report of its day and sub-event type (or of its story) is stored. analytics.events reads it.';
COMMENT ON COLUMN event_clusters.event_id IS 'Event id: events.id of the earliest published report.';
COMMENT ON COLUMN event_clusters.representative_id IS 'events.id of the most specific report (most actors named, best place and time precision, then earliest): the event''s actors, place and notes are its.';
COMMENT ON COLUMN event_clusters.event_date IS 'The representative''s event date.';
COMMENT ON COLUMN event_clusters.time_precision IS 'Best time precision among the reports.';
COMMENT ON COLUMN event_clusters.event_type IS 'The representative''s ACLED event type.';
COMMENT ON COLUMN event_clusters.sub_event_type IS 'The representative''s ACLED sub-event type.';
COMMENT ON COLUMN event_clusters.actor1 IS 'The representative''s actor1.';
COMMENT ON COLUMN event_clusters.actor2 IS 'The representative''s actor2.';
COMMENT ON COLUMN event_clusters.country IS 'The representative''s country.';
COMMENT ON COLUMN event_clusters.admin1 IS 'The representative''s admin1.';
COMMENT ON COLUMN event_clusters.location IS 'The representative''s location.';
COMMENT ON COLUMN event_clusters.latitude IS 'The representative''s latitude.';
COMMENT ON COLUMN event_clusters.longitude IS 'The representative''s longitude.';
COMMENT ON COLUMN event_clusters.geo_precision IS 'The representative''s geo precision (else the best of the reports).';
COMMENT ON COLUMN event_clusters.fatalities IS 'Lowest positive figure among the reports as specific as the representative (ACLED''s lowest credible figure; vaguer reports never lower it); 0 when none reports deaths.';
COMMENT ON COLUMN event_clusters.fatalities_min IS 'Lowest figure any report gives (0 included).';
COMMENT ON COLUMN event_clusters.fatalities_max IS 'Highest figure any report gives.';
COMMENT ON COLUMN event_clusters.source_count IS 'Distinct outlets among the reports.';
COMMENT ON COLUMN event_clusters.report_count IS 'Reports (events rows) merged.';
COMMENT ON COLUMN event_clusters.outlets IS 'The outlets, sorted.';
COMMENT ON COLUMN event_clusters.article_ids IS 'The reporting articles, sorted.';
COMMENT ON COLUMN event_clusters.article_event_ids IS 'The reports (events.id), sorted.';
COMMENT ON COLUMN event_clusters.updated_at IS 'When the cluster was last computed.';

INSERT INTO pipeline_locks (name) VALUES ('events') ON CONFLICT DO NOTHING;

-- Same columns as 010 in the same order, then the new ones; event_id is now read, not computed.
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
       e.cluster_id IS NOT NULL AND e.id = c.representative_id AS is_representative
FROM events e JOIN articles a ON a.id = e.article_id
     LEFT JOIN event_clusters c ON c.event_id = e.cluster_id;

COMMENT ON COLUMN analytics.article_events.event_id IS 'The real event (analytics.events.event_id) this report was merged into when it was stored: reports of the same story, or of the same day and sub-event type within 25 km of the event''s representative report with a shared actor (a report naming no actor joins the nearest such event). NULL until clustered.';
COMMENT ON COLUMN analytics.article_events.is_representative IS 'True for the report whose actors, place and notes analytics.events shows (the most specific one).';

CREATE OR REPLACE VIEW analytics.events AS
SELECT c.event_id,
       c.event_date,
       c.time_precision,
       c.event_type,
       c.sub_event_type,
       c.actor1,
       array_to_string(r.assoc_actor_1, '; ') AS assoc_actor_1,
       c.actor2,
       array_to_string(r.assoc_actor_2, '; ') AS assoc_actor_2,
       c.country,
       c.admin1,
       c.location,
       c.latitude,
       c.longitude,
       c.geo_precision,
       c.fatalities,
       r.notes,
       array_to_string(c.outlets, '; ') AS source,
       c.source_count::bigint AS source_count,
       c.report_count::bigint AS report_count,
       c.outlets,
       c.article_ids,
       c.fatalities_min,
       c.fatalities_max,
       c.article_event_ids,
       c.representative_id
FROM event_clusters c LEFT JOIN events r ON r.id = c.representative_id;

COMMENT ON VIEW analytics.events IS 'One row per real event with ACLED''s column names: the reports of several outlets (or one outlet twice) merged when they were stored (table event_clusters); put it beside an ACLED export in one query.';
COMMENT ON COLUMN analytics.events.event_id IS 'Event id: the article event of its earliest published report (analytics.article_events.article_event_id).';
COMMENT ON COLUMN analytics.events.event_date IS 'When the event happened (as its most specific report dates it).';
COMMENT ON COLUMN analytics.events.actor1 IS 'The actor who acted (actor id or ACLED-style typed name), from the most specific report: a report naming no actor never blanks it.';
COMMENT ON COLUMN analytics.events.location IS 'Town, region or country, from the most specific report.';
COMMENT ON COLUMN analytics.events.fatalities IS 'Reported deaths: the lowest positive figure among the reports as specific as the representative (ACLED''s lowest credible figure); a vaguer report never lowers it. See fatalities_min / fatalities_max.';
COMMENT ON COLUMN analytics.events.notes IS 'The evidence sentence of the most specific report.';
COMMENT ON COLUMN analytics.events.fatalities_min IS 'Lowest figure any report gives (0 included): with fatalities_max, how much the reports disagree.';
COMMENT ON COLUMN analytics.events.fatalities_max IS 'Highest figure any report gives.';
COMMENT ON COLUMN analytics.events.article_event_ids IS 'The reports merged (analytics.article_events.article_event_id).';
COMMENT ON COLUMN analytics.events.representative_id IS 'The report whose actors, place and notes the row shows (analytics.article_events.article_event_id).';

GRANT SELECT ON event_clusters TO newsmon_reader;
