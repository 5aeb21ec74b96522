-- 003_tagging: conflict tags, entity mentions and places per article (etl/tagstage.py).
--
-- Tag rows carry the taxonomy version they were made with (etl/data/taxonomy.yaml); an article
-- whose articles.taxonomy_version differs from the current one is re-tagged from its stored text.
-- Offsets (start_char, end_char) are character offsets into articles.text.

ALTER TABLE articles
    ADD COLUMN relevance        real,
    ADD COLUMN is_conflict      boolean,
    ADD COLUMN tagged_at        timestamptz,
    ADD COLUMN taxonomy_version text,
    ADD COLUMN tagger_mode      text CHECK (tagger_mode IN ('model', 'gazetteer-only')),
    ADD COLUMN tag_lease_until  timestamptz;
CREATE INDEX articles_tagging_idx ON articles (taxonomy_version) WHERE status = 'extracted';
CREATE INDEX articles_conflict_idx ON articles (published_at DESC) WHERE is_conflict;

COMMENT ON COLUMN articles.relevance IS 'Conflict relevance score in [0, 1) from the tag evidence (keywords, categories, armed actors).';
COMMENT ON COLUMN articles.is_conflict IS 'True when relevance >= 0.5: the article is about armed conflict, political violence or unrest.';
COMMENT ON COLUMN articles.tagged_at IS 'When the article was last tagged (NULL: not yet).';
COMMENT ON COLUMN articles.taxonomy_version IS 'Version of etl/data/taxonomy.yaml the current tags were made with; another version means the article is re-tagged.';
COMMENT ON COLUMN articles.tagger_mode IS 'How the article was tagged: model (spaCy NER + gazetteers) or gazetteer-only (no model was available; re-tagged once one is).';
COMMENT ON COLUMN articles.tag_lease_until IS 'Set while a tagging worker holds the article; an expired lease frees it.';

CREATE TABLE entities (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('person', 'organization', 'location')),
    kind        text,
    country     text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE entities IS 'Canonical entities that mentions link to: actors from etl/data/actors.yaml and places from GeoNames.';
COMMENT ON COLUMN entities.id IS 'Canonical id: the actor id (e.g. isis, pmf) or geonames:<geonameid> for a place.';
COMMENT ON COLUMN entities.name IS 'Canonical name (Islamic State, Popular Mobilization Forces, Mosul).';
COMMENT ON COLUMN entities.type IS 'person, organization or location.';
COMMENT ON COLUMN entities.kind IS 'Actor kind (jihadist_group, militia, state_forces, international, ...) or place feature (country, town).';
COMMENT ON COLUMN entities.country IS 'ISO 3166-1 alpha-2 home country of an actor (XX: international) or country of a place.';
COMMENT ON COLUMN entities.updated_at IS 'Last time a tagging run wrote this row.';

CREATE TABLE article_tags (
    article_id        bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category_id       text NOT NULL,
    parent_id         text,
    score             real NOT NULL,
    evidence          real NOT NULL,
    is_event          boolean NOT NULL,
    taxonomy_version  text NOT NULL,
    PRIMARY KEY (article_id, category_id)
);
CREATE INDEX article_tags_category_idx ON article_tags (category_id, score DESC);

COMMENT ON TABLE article_tags IS 'Taxonomy categories per article with their score (ACLED event types and sub-types, general conflict terms).';
COMMENT ON COLUMN article_tags.article_id IS 'The article.';
COMMENT ON COLUMN article_tags.category_id IS 'Category id from etl/data/taxonomy.yaml (e.g. armed_clash, battles).';
COMMENT ON COLUMN article_tags.parent_id IS 'Parent category (the ACLED event type of a sub-event type); NULL for a top-level category.';
COMMENT ON COLUMN article_tags.score IS 'Score in [0, 1): 1 - exp(-evidence / 1.5); from 0.45 on the category is taken as present.';
COMMENT ON COLUMN article_tags.evidence IS 'Sum of the weights of the keywords found for the category (weak terms count a third).';
COMMENT ON COLUMN article_tags.is_event IS 'True for ACLED event (sub-)types, false for general conflict terms.';
COMMENT ON COLUMN article_tags.taxonomy_version IS 'Taxonomy version the tag was made with.';

CREATE TABLE article_keywords (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id        bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    start_char        integer NOT NULL,
    end_char          integer NOT NULL,
    matched_text      text NOT NULL,
    term              text NOT NULL,
    category_id       text NOT NULL,
    snippet           text NOT NULL,
    taxonomy_version  text NOT NULL
);
CREATE INDEX article_keywords_article_idx ON article_keywords (article_id);

COMMENT ON TABLE article_keywords IS 'Every taxonomy term found in an article: the evidence behind article_tags.';
COMMENT ON COLUMN article_keywords.id IS 'Surrogate key.';
COMMENT ON COLUMN article_keywords.article_id IS 'The article.';
COMMENT ON COLUMN article_keywords.start_char IS 'Start offset of the match in articles.text (characters, 0-based).';
COMMENT ON COLUMN article_keywords.end_char IS 'End offset (exclusive) of the match in articles.text.';
COMMENT ON COLUMN article_keywords.matched_text IS 'The text as written in the article (e.g. roadside bombs).';
COMMENT ON COLUMN article_keywords.term IS 'The taxonomy term it matched (e.g. roadside bomb).';
COMMENT ON COLUMN article_keywords.category_id IS 'Category of the term.';
COMMENT ON COLUMN article_keywords.snippet IS 'The match in context: up to 60 characters either side.';
COMMENT ON COLUMN article_keywords.taxonomy_version IS 'Taxonomy version the match was made with.';

CREATE TABLE article_mentions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id        bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    start_char        integer NOT NULL,
    end_char          integer NOT NULL,
    matched_text      text NOT NULL,
    type              text NOT NULL CHECK (type IN ('person', 'organization', 'location')),
    entity_id         text REFERENCES entities (id),
    source            text NOT NULL CHECK (source IN ('model', 'gazetteer')),
    snippet           text NOT NULL,
    taxonomy_version  text NOT NULL
);
CREATE INDEX article_mentions_article_idx ON article_mentions (article_id);
CREATE INDEX article_mentions_entity_idx ON article_mentions (entity_id);

COMMENT ON TABLE article_mentions IS 'Named entities (people, organisations, locations) found in an article, linked to entities when known.';
COMMENT ON COLUMN article_mentions.id IS 'Surrogate key.';
COMMENT ON COLUMN article_mentions.article_id IS 'The article.';
COMMENT ON COLUMN article_mentions.start_char IS 'Start offset of the mention in articles.text.';
COMMENT ON COLUMN article_mentions.end_char IS 'End offset (exclusive) of the mention in articles.text.';
COMMENT ON COLUMN article_mentions.matched_text IS 'The mention as written (e.g. Hashd al-Shaabi).';
COMMENT ON COLUMN article_mentions.type IS 'person, organization or location.';
COMMENT ON COLUMN article_mentions.entity_id IS 'Canonical entity (actor or place); NULL for names the gazetteers do not know.';
COMMENT ON COLUMN article_mentions.source IS 'model (spaCy NER) or gazetteer (actor or place gazetteer).';
COMMENT ON COLUMN article_mentions.snippet IS 'The mention in context: up to 60 characters either side.';
COMMENT ON COLUMN article_mentions.taxonomy_version IS 'Taxonomy version of the tagging run that found it.';

CREATE TABLE article_places (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id        bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    start_char        integer NOT NULL,
    end_char          integer NOT NULL,
    matched_text      text NOT NULL,
    name              text NOT NULL,
    country_code      text NOT NULL,
    lat               double precision NOT NULL,
    lon               double precision NOT NULL,
    geonameid         integer NOT NULL,
    feature           text NOT NULL,
    snippet           text NOT NULL,
    taxonomy_version  text NOT NULL
);
CREATE INDEX article_places_article_idx ON article_places (article_id);
CREATE INDEX article_places_country_idx ON article_places (country_code);

COMMENT ON TABLE article_places IS 'Places named in an article, resolved offline to GeoNames with coordinates and country.';
COMMENT ON COLUMN article_places.id IS 'Surrogate key.';
COMMENT ON COLUMN article_places.article_id IS 'The article.';
COMMENT ON COLUMN article_places.start_char IS 'Start offset of the place name in articles.text.';
COMMENT ON COLUMN article_places.end_char IS 'End offset (exclusive) of the place name in articles.text.';
COMMENT ON COLUMN article_places.matched_text IS 'The name as written (e.g. Qayyarah).';
COMMENT ON COLUMN article_places.name IS 'GeoNames name of the place chosen (e.g. Al Qayyarah).';
COMMENT ON COLUMN article_places.country_code IS 'ISO 3166-1 alpha-2 country of the place.';
COMMENT ON COLUMN article_places.lat IS 'Latitude (WGS84); for a country, the mean position of its towns.';
COMMENT ON COLUMN article_places.lon IS 'Longitude (WGS84); for a country, the mean position of its towns.';
COMMENT ON COLUMN article_places.geonameid IS 'GeoNames id of the place.';
COMMENT ON COLUMN article_places.feature IS 'country or town.';
COMMENT ON COLUMN article_places.snippet IS 'The name in context: up to 60 characters either side.';
COMMENT ON COLUMN article_places.taxonomy_version IS 'Taxonomy version of the tagging run that found it.';
