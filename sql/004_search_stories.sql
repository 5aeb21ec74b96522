-- 004_search_stories: full-text search on articles, and story clusters (near-duplicates).

-- Text search configuration per detected language; IMMUTABLE so it can feed a generated column.
CREATE FUNCTION newsmon_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lang
        WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish'
        WHEN 'de' THEN 'german' WHEN 'pt' THEN 'portuguese' WHEN 'it' THEN 'italian'
        WHEN 'ru' THEN 'russian' WHEN 'ar' THEN 'arabic' WHEN 'tr' THEN 'turkish'
        WHEN 'nl' THEN 'dutch' WHEN 'id' THEN 'indonesian'
        ELSE 'simple' END::regconfig
$$;
COMMENT ON FUNCTION newsmon_ts_config(text) IS 'PostgreSQL text search configuration for an ISO 639-1 language code (simple when unknown).';

ALTER TABLE articles
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(newsmon_ts_config(language), coalesce(title, '')), 'A')
        || setweight(to_tsvector(newsmon_ts_config(language), coalesce(text, '')), 'B')
    ) STORED,
    ADD COLUMN story_id bigint,
    ADD COLUMN minhash bigint[];
CREATE INDEX articles_search_tsv_idx ON articles USING gin (search_tsv);
CREATE INDEX articles_story_id_idx ON articles (story_id);
CREATE INDEX articles_unclustered_idx ON articles (id) WHERE status = 'extracted' AND story_id IS NULL;

COMMENT ON COLUMN articles.search_tsv IS 'Full-text search vector of title (weight A) and text (weight B), stemmed in the article''s language; kept up to date by PostgreSQL.';
COMMENT ON COLUMN articles.story_id IS 'Story cluster: articles with the same story_id are the same story (a wire story republished or lightly edited). It is the id of the story''s first clustered article.';
COMMENT ON COLUMN articles.minhash IS 'MinHash signature (64 values) of the text''s word 5-grams, for near-duplicate detection.';

CREATE TABLE article_minhash_bands (
    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    band       smallint NOT NULL,
    band_hash  bigint NOT NULL,
    PRIMARY KEY (article_id, band)
);
CREATE INDEX article_minhash_bands_lookup_idx ON article_minhash_bands (band, band_hash);
COMMENT ON TABLE article_minhash_bands IS 'Locality-sensitive hashing bands of article MinHash signatures: articles sharing a band are near-duplicate candidates.';
COMMENT ON COLUMN article_minhash_bands.article_id IS 'The article.';
COMMENT ON COLUMN article_minhash_bands.band IS 'Band number (0-15, four signature values each).';
COMMENT ON COLUMN article_minhash_bands.band_hash IS 'Hash of the band''s signature values.';

CREATE FUNCTION analytics.search_articles(query text)
RETURNS TABLE (article_id bigint, url text, title text, published_at timestamptz, rank real)
LANGUAGE sql STABLE AS $$
    -- Each article is matched with the query parsed in the article's own language (so French
    -- stems match French text), one index scan per configuration.
    SELECT a.id, a.url, a.title, a.published_at, ts_rank_cd(a.search_tsv, q.tsq) AS rank
    FROM (SELECT DISTINCT newsmon_ts_config(l) AS cfg
          FROM unnest(ARRAY['en', 'fr', 'es', 'de', 'pt', 'it', 'ru', 'ar', 'tr', 'nl', 'id',
                            NULL]) AS l) c
    CROSS JOIN LATERAL (SELECT websearch_to_tsquery(c.cfg, query) AS tsq) q
    JOIN articles a ON a.search_tsv @@ q.tsq AND newsmon_ts_config(a.language) = c.cfg
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
$$;
COMMENT ON FUNCTION analytics.search_articles(text) IS 'Full-text search: a websearch_to_tsquery query ("quoted phrases", OR, -excluded) over title and text, best matches first.';
GRANT EXECUTE ON FUNCTION analytics.search_articles(text) TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_ts_config(text) TO newsmon_reader;
