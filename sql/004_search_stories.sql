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
    -- Each article is matched with the query parsed in its own language (French stems match
    -- French text); one branch per configuration so each can use the GIN index.
    SELECT * FROM (
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('english', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('english', query)
      AND newsmon_ts_config(a.language) = 'english'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('french', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('french', query)
      AND newsmon_ts_config(a.language) = 'french'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('spanish', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('spanish', query)
      AND newsmon_ts_config(a.language) = 'spanish'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('german', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('german', query)
      AND newsmon_ts_config(a.language) = 'german'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('portuguese', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('portuguese', query)
      AND newsmon_ts_config(a.language) = 'portuguese'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('italian', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('italian', query)
      AND newsmon_ts_config(a.language) = 'italian'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('russian', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('russian', query)
      AND newsmon_ts_config(a.language) = 'russian'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('arabic', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('arabic', query)
      AND newsmon_ts_config(a.language) = 'arabic'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('turkish', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('turkish', query)
      AND newsmon_ts_config(a.language) = 'turkish'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('dutch', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('dutch', query)
      AND newsmon_ts_config(a.language) = 'dutch'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('indonesian', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('indonesian', query)
      AND newsmon_ts_config(a.language) = 'indonesian'::regconfig
    UNION ALL
    SELECT a.id, a.url, a.title, a.published_at,
           ts_rank_cd(a.search_tsv, websearch_to_tsquery('simple', query)) AS rank
    FROM articles a
    WHERE a.search_tsv @@ websearch_to_tsquery('simple', query)
      AND newsmon_ts_config(a.language) = 'simple'::regconfig
    ) hits
    ORDER BY rank DESC, published_at DESC NULLS LAST, id
$$;
COMMENT ON FUNCTION analytics.search_articles(text) IS 'Full-text search: a websearch_to_tsquery query ("quoted phrases", OR, -excluded) over title and text, best matches first.';
GRANT EXECUTE ON FUNCTION analytics.search_articles(text) TO newsmon_reader;
GRANT EXECUTE ON FUNCTION newsmon_ts_config(text) TO newsmon_reader;
