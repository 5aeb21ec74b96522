-- 007_storable_values: a search vector that cannot fail.
--
-- PostgreSQL refuses a tsvector over 1 MB ("string is too long for tsvector"). A page of
-- 800 KB with 90,000 distinct words reached it, so the generated column raised, the whole
-- extraction batch rolled back, and every later run claimed the same batch first. The vector
-- is now built by a function that falls back, only for such pages, to the vector of the first
-- 100,000 characters of the text (and 1,000 of the title): every word costs at most about
-- 5.5 bytes per character of text (4-byte entry, UTF-8 bytes, a 2-byte position), so this
-- bound stays far under 1 MB whatever the words.

CREATE FUNCTION newsmon_search_tsv(lang text, title text, body text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN setweight(to_tsvector(newsmon_ts_config(lang), coalesce(title, '')), 'A')
        || setweight(to_tsvector(newsmon_ts_config(lang), coalesce(body, '')), 'B');
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN setweight(to_tsvector(newsmon_ts_config(lang), left(coalesce(title, ''), 1000)), 'A')
        || setweight(to_tsvector(newsmon_ts_config(lang), left(coalesce(body, ''), 100000)), 'B');
END
$$;
COMMENT ON FUNCTION newsmon_search_tsv(text, text, text) IS 'Search vector of an article: title (weight A) and text (weight B) in its language; for a text whose vector would pass PostgreSQL''s 1 MB limit, the vector of its first 100,000 characters.';

-- A generated column's expression cannot be altered before PostgreSQL 17: drop and re-add it
-- (this rewrites articles once and rebuilds the index).
ALTER TABLE articles DROP COLUMN search_tsv;
ALTER TABLE articles
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (newsmon_search_tsv(language, title, text)) STORED;
CREATE INDEX articles_search_tsv_idx ON articles USING gin (search_tsv);
COMMENT ON COLUMN articles.search_tsv IS 'Full-text search vector of title (weight A) and text (weight B), stemmed in the article''s language; kept up to date by PostgreSQL (see newsmon_search_tsv: a text whose vector would pass 1 MB is indexed on its first 100,000 characters).';
