-- 001_core: feeds, their polls, articles and the links between them.
--
-- Applied by `newsmon db migrate` (etl/migrate.py) inside one transaction together with the
-- row that records it in schema_migrations.

CREATE TABLE feeds (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                  text NOT NULL UNIQUE,
    title                text,
    language             text,
    tags                 text[] NOT NULL DEFAULT '{}',
    active               boolean NOT NULL DEFAULT true,
    added_at             timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    poll_interval_s      integer,
    etag                 text,
    last_modified        text,
    last_polled_at       timestamptz,
    last_success_at      timestamptz,
    last_status          integer,
    next_poll_at         timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_error           text,
    redirected_to        text,
    feed_title           text,
    site_url             text
);

COMMENT ON TABLE feeds IS 'One row per RSS/Atom feed from the feed list, with its polling state.';
COMMENT ON COLUMN feeds.id IS 'Surrogate key.';
COMMENT ON COLUMN feeds.url IS 'Feed address as configured in the feed list (NEWSMON_FEEDS_FILE).';
COMMENT ON COLUMN feeds.title IS 'Title from the feed list, else the title the feed gives itself.';
COMMENT ON COLUMN feeds.language IS 'Language declared in the feed list (ISO 639-1), if any.';
COMMENT ON COLUMN feeds.tags IS 'Free tags from the feed list (region, topic, ...).';
COMMENT ON COLUMN feeds.active IS 'False once the feed is no longer in the feed list; history is kept.';
COMMENT ON COLUMN feeds.added_at IS 'When the feed first appeared in a feed list.';
COMMENT ON COLUMN feeds.updated_at IS 'Last change of the configured fields (title, language, tags, active).';
COMMENT ON COLUMN feeds.poll_interval_s IS 'Per-feed polling interval in seconds; NULL means the NEWSMON_POLL_INTERVAL setting.';
COMMENT ON COLUMN feeds.etag IS 'ETag of the last successful response, sent back as If-None-Match.';
COMMENT ON COLUMN feeds.last_modified IS 'Last-Modified of the last successful response, sent back as If-Modified-Since.';
COMMENT ON COLUMN feeds.last_polled_at IS 'Time of the last poll attempt, successful or not.';
COMMENT ON COLUMN feeds.last_success_at IS 'Time of the last poll that returned 200 with entries, or 304.';
COMMENT ON COLUMN feeds.last_status IS 'HTTP status of the last poll (NULL when no response arrived).';
COMMENT ON COLUMN feeds.next_poll_at IS 'The feed is due for polling from this time on (NULL: due now).';
COMMENT ON COLUMN feeds.consecutive_failures IS 'Failed polls since the last success; drives the back-off.';
COMMENT ON COLUMN feeds.last_error IS 'Error of the last failed poll; cleared by a success.';
COMMENT ON COLUMN feeds.redirected_to IS 'Where the feed address permanently redirects (301/308), for the operator to update the list.';
COMMENT ON COLUMN feeds.feed_title IS 'Title the feed document gives itself.';
COMMENT ON COLUMN feeds.site_url IS 'Web site the feed belongs to (the feed''s own link).';

CREATE TABLE feed_polls (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id       bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    polled_at     timestamptz NOT NULL DEFAULT now(),
    http_status   integer,
    not_modified  boolean NOT NULL DEFAULT false,
    entries_seen  integer NOT NULL DEFAULT 0,
    new_articles  integer NOT NULL DEFAULT 0,
    duration_ms   integer NOT NULL DEFAULT 0,
    bytes         integer,
    warning       text,
    error         text
);
CREATE INDEX feed_polls_feed_id_polled_at_idx ON feed_polls (feed_id, polled_at DESC);

COMMENT ON TABLE feed_polls IS 'One row per poll of a feed: the audit log of feed fetching.';
COMMENT ON COLUMN feed_polls.id IS 'Surrogate key.';
COMMENT ON COLUMN feed_polls.feed_id IS 'The feed polled.';
COMMENT ON COLUMN feed_polls.polled_at IS 'When the poll started.';
COMMENT ON COLUMN feed_polls.http_status IS 'Final HTTP status (after redirects); NULL when no response arrived.';
COMMENT ON COLUMN feed_polls.not_modified IS 'True when the server answered 304 Not Modified to the conditional GET.';
COMMENT ON COLUMN feed_polls.entries_seen IS 'Entries in the parsed feed document.';
COMMENT ON COLUMN feed_polls.new_articles IS 'Articles first discovered by this poll.';
COMMENT ON COLUMN feed_polls.duration_ms IS 'Wall time of the poll (HTTP and parsing) in milliseconds.';
COMMENT ON COLUMN feed_polls.bytes IS 'Size of the response body in bytes (after decompression).';
COMMENT ON COLUMN feed_polls.warning IS 'Parser warning for a feed that was used anyway (feedparser bozo with entries).';
COMMENT ON COLUMN feed_polls.error IS 'Why the poll failed; NULL for a successful poll.';

CREATE TABLE articles (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url               text NOT NULL UNIQUE,
    host              text NOT NULL,
    discovered_url    text NOT NULL,
    discovered_at     timestamptz NOT NULL DEFAULT now(),
    feed_title        text,
    feed_summary      text,
    feed_published_at timestamptz,
    status            text NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'fetched', 'extracted', 'failed', 'skipped')),
    error_stage       text CHECK (error_stage IN ('fetch', 'extract')),
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    next_attempt_at   timestamptz,
    lease_until       timestamptz,
    final_url         text,
    http_status       integer,
    content_type      text,
    fetched_at        timestamptz,
    extracted_at      timestamptz,
    title             text,
    text              text,
    author            text,
    published_at      timestamptz,
    published_source  text CHECK (published_source IN ('page', 'feed')),
    site_name         text,
    description       text,
    language          text,
    text_hash         text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX articles_work_idx ON articles (status, next_attempt_at) WHERE status IN ('new', 'fetched', 'failed');
CREATE INDEX articles_published_at_idx ON articles (published_at DESC);
CREATE INDEX articles_text_hash_idx ON articles (text_hash);

COMMENT ON TABLE articles IS 'One row per article, identified by its canonical URL, with its extracted text and metadata.';
COMMENT ON COLUMN articles.id IS 'Surrogate key.';
COMMENT ON COLUMN articles.url IS 'Canonical URL (scheme/host lower-cased, default port, fragment and tracking parameters removed): the article''s identity.';
COMMENT ON COLUMN articles.host IS 'Host name of the canonical URL (lower case).';
COMMENT ON COLUMN articles.discovered_url IS 'The link exactly as the first feed listing it gave it.';
COMMENT ON COLUMN articles.discovered_at IS 'When a feed first listed the article.';
COMMENT ON COLUMN articles.feed_title IS 'Entry title from the first feed listing the article.';
COMMENT ON COLUMN articles.feed_summary IS 'Entry summary from that feed, as plain text.';
COMMENT ON COLUMN articles.feed_published_at IS 'Publication time the feed gives for the entry.';
COMMENT ON COLUMN articles.status IS 'Pipeline stage: new (listed), fetched (HTML stored), extracted (text stored), failed (see error_stage, last_error; retried after next_attempt_at), skipped (not an article, e.g. a PDF; see last_error).';
COMMENT ON COLUMN articles.error_stage IS 'For failed articles: the stage that failed (fetch or extract).';
COMMENT ON COLUMN articles.attempts IS 'Failed attempts at the current stage; reset when the stage succeeds.';
COMMENT ON COLUMN articles.last_error IS 'Last error, or the reason an article was skipped.';
COMMENT ON COLUMN articles.next_attempt_at IS 'A failed article is retried from this time on (exponential back-off).';
COMMENT ON COLUMN articles.lease_until IS 'Set while a worker holds the article; an expired lease (crashed worker) frees it.';
COMMENT ON COLUMN articles.final_url IS 'URL after redirects, as fetched.';
COMMENT ON COLUMN articles.http_status IS 'HTTP status of the article fetch.';
COMMENT ON COLUMN articles.content_type IS 'Media type the server gave for the article.';
COMMENT ON COLUMN articles.fetched_at IS 'When the article page was fetched.';
COMMENT ON COLUMN articles.extracted_at IS 'When text and metadata were extracted.';
COMMENT ON COLUMN articles.title IS 'Title from the page, else from the feed.';
COMMENT ON COLUMN articles.text IS 'Main text extracted by trafilatura (comments and boilerplate excluded).';
COMMENT ON COLUMN articles.author IS 'Author(s) from the page metadata.';
COMMENT ON COLUMN articles.published_at IS 'Publication time: the feed''s time when it agrees with the page''s date, else the page''s date, else the feed''s time.';
COMMENT ON COLUMN articles.published_source IS 'Where published_at came from: page or feed.';
COMMENT ON COLUMN articles.site_name IS 'Site name from the page metadata.';
COMMENT ON COLUMN articles.description IS 'Description (summary) from the page metadata.';
COMMENT ON COLUMN articles.language IS 'Language detected from the text (ISO 639-1, py3langid).';
COMMENT ON COLUMN articles.text_hash IS 'SHA-256 of the whitespace-normalised text: equal hashes are exact duplicates.';
COMMENT ON COLUMN articles.updated_at IS 'Last change of the row.';

CREATE TABLE feed_articles (
    feed_id          bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    article_id       bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    entry_id         text,
    entry_url        text,
    entry_title      text,
    entry_published_at timestamptz,
    PRIMARY KEY (feed_id, article_id)
);
CREATE INDEX feed_articles_article_id_idx ON feed_articles (article_id);

COMMENT ON TABLE feed_articles IS 'Which feeds list which articles: the same story from two feeds is one article with two rows here.';
COMMENT ON COLUMN feed_articles.feed_id IS 'The feed.';
COMMENT ON COLUMN feed_articles.article_id IS 'The article.';
COMMENT ON COLUMN feed_articles.first_seen_at IS 'When this feed first listed the article.';
COMMENT ON COLUMN feed_articles.entry_id IS 'The entry''s guid/id in this feed.';
COMMENT ON COLUMN feed_articles.entry_url IS 'The link exactly as this feed gave it.';
COMMENT ON COLUMN feed_articles.entry_title IS 'The entry title in this feed.';
COMMENT ON COLUMN feed_articles.entry_published_at IS 'The publication time this feed gives.';

CREATE TABLE article_html (
    article_id   bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    encoding     text,
    raw_bytes    integer NOT NULL,
    html_gz      bytea NOT NULL
);

COMMENT ON TABLE article_html IS 'Raw page bytes as fetched, gzip-compressed, so extraction and tagging can be re-run without re-fetching.';
COMMENT ON COLUMN article_html.article_id IS 'The article.';
COMMENT ON COLUMN article_html.fetched_at IS 'When the bytes were fetched.';
COMMENT ON COLUMN article_html.encoding IS 'Character set declared by the HTTP Content-Type header, if any.';
COMMENT ON COLUMN article_html.raw_bytes IS 'Size of the page before compression.';
COMMENT ON COLUMN article_html.html_gz IS 'The page bytes, gzip-compressed.';
