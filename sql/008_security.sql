-- Security hardening (issue 14): pipeline locks analysts cannot take, and a bounded search.

-- Advisory locks are open to every role: a read-only session holding the key of a fetch shard or
-- of story clustering stalled the pipeline. Locking a row of this table needs UPDATE, which
-- newsmon_reader does not have (it may read the table).
CREATE TABLE pipeline_locks (
    name       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pipeline_locks IS 'One row per pipeline lock (story clustering, each fetch shard); tasks hold a lock by locking its row (SELECT ... FOR UPDATE), which the read-only role cannot do.';
COMMENT ON COLUMN pipeline_locks.name IS 'Lock name: stories, or "fetch shard k/n".';
COMMENT ON COLUMN pipeline_locks.created_at IS 'When the lock was first taken.';
INSERT INTO pipeline_locks (name) VALUES ('stories') ON CONFLICT DO NOTHING;

-- Raised by search_articles once its deadline has passed (COST 1: the planner checks the
-- deadline before the other filters of a row).
CREATE FUNCTION newsmon_search_overrun(timeout_ms integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE COST 1 AS $$
BEGIN
    RAISE EXCEPTION 'search stopped after % ms: narrow the query', timeout_ms
        USING ERRCODE = 'query_canceled';
END
$$;
COMMENT ON FUNCTION newsmon_search_overrun(integer) IS 'Stops a search that ran past its deadline (used by analytics.search_articles).';
GRANT EXECUTE ON FUNCTION newsmon_search_overrun(integer) TO newsmon_reader;

-- search_articles, bounded: the query's length and number of terms are capped, and every row
-- the search looks at checks the function's own deadline. (A SET statement_timeout clause on
-- the function would not do: PostgreSQL arms that timer when the calling statement starts.)
-- The deadline is 10 s; a session may lower it with SET newsmon.search_timeout_ms, never raise
-- it.
CREATE OR REPLACE FUNCTION analytics.search_articles(query text)
RETURNS TABLE (article_id bigint, url text, title text, published_at timestamptz, rank real)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    max_length CONSTANT integer := 500;
    max_nodes  CONSTANT integer := 128;
    limit_ms   CONSTANT integer := 10000;
    wanted     text := current_setting('newsmon.search_timeout_ms', true);
    timeout_ms integer;
    deadline   timestamptz;
BEGIN
    IF length(query) > max_length THEN
        RAISE EXCEPTION 'search query is % characters long; the limit is %',
            length(query), max_length
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    IF numnode(websearch_to_tsquery('simple', query)) > max_nodes THEN
        RAISE EXCEPTION 'search query has too many terms (more than % operands and operators)',
            max_nodes
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    timeout_ms := least(CASE WHEN wanted ~ '^[0-9]{1,9}$' THEN wanted::integer END, limit_ms);
    timeout_ms := coalesce(timeout_ms, limit_ms);
    deadline := clock_timestamp() + make_interval(secs => timeout_ms / 1000.0);
    -- Each article is matched with the query parsed in its own language (French stems match
    -- French text); one branch per configuration so each can use the GIN index.
    RETURN QUERY
    SELECT hits.id, hits.url, hits.title, hits.published_at, hits.rank FROM (
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('english', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('english', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'english'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('french', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('french', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'french'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('spanish', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('spanish', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'spanish'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('german', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('german', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'german'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('portuguese', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('portuguese', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'portuguese'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('italian', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('italian', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'italian'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('russian', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('russian', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'russian'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('arabic', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('arabic', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'arabic'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('turkish', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('turkish', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'turkish'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('dutch', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('dutch', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'dutch'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('indonesian', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('indonesian', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'indonesian'::regconfig
        UNION ALL
        SELECT a.id, a.url, a.title, a.published_at,
               ts_rank_cd(a.search_tsv, websearch_to_tsquery('simple', query)) AS rank
        FROM articles a
        WHERE a.search_tsv @@ websearch_to_tsquery('simple', query)
          AND CASE WHEN clock_timestamp() < deadline THEN true
                   ELSE newsmon_search_overrun(timeout_ms) END
          AND newsmon_ts_config(a.language) = 'simple'::regconfig
    ) hits
    ORDER BY hits.rank DESC, hits.published_at DESC NULLS LAST, hits.id;
END
$$;
COMMENT ON FUNCTION analytics.search_articles(text) IS 'Full-text search: a websearch_to_tsquery query ("quoted phrases", OR, -excluded) over title and text, best matches first. At most 500 characters and 128 terms; stops after 10 s (lower with SET newsmon.search_timeout_ms).';
