-- 016_tag_retry: an article whose tagging fails (its time bound, an error) is retried on its own
-- schedule (issue 20), like a failed fetch: exponential back-off from NEWSMON_RETRY_BASE, capped
-- at NEWSMON_MAX_BACKOFF. The reason is in last_error; storing its tags resets both columns.
-- (etl/store/queue.py: tagging waits for tag_retry_at; etl/stages/tagstage.py sets them.)

ALTER TABLE articles
    ADD COLUMN tag_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN tag_retry_at timestamptz;

COMMENT ON COLUMN articles.tag_failures IS 'Tagging attempts that failed since the last tags were stored.';
COMMENT ON COLUMN articles.tag_retry_at IS 'A failed tagging is not retried before this time.';
