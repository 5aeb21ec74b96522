"""Integration: the whole pass against a real PostgreSQL and a real local HTTP server."""

from __future__ import annotations

from dataclasses import replace

from conftest import DATA, rows, scalar

from etl.run.pipeline import run
from etl.web.site import Reply

TABLES = ("feeds", "feed_polls", "articles", "feed_articles", "article_html")


def counts(conn) -> dict[str, int]:
    return {t: scalar(conn, f"SELECT count(*) FROM {t}") for t in TABLES}  # noqa: S608


def statuses(conn) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rows(conn, "SELECT url, status, error_stage FROM articles")}


def test_first_run_loads_articles(settings, site, feeds_file, conn):
    summary = run(settings, feeds_file)
    assert (summary.feeds_polled, summary.feeds_not_modified, summary.feeds_failed) == (2, 0, 0)
    # alpha lists shelling, convoy twice (utm_* / #fragment), a PDF and a javascript: link;
    # beta lists convoy (?ref=&utm_campaign=), ceasefire (relative link) and a missing page.
    assert summary.articles_new == 5
    assert (summary.articles_fetched, summary.articles_skipped) == (3, 1)
    assert (summary.articles_extracted, summary.articles_failed) == (3, 1)
    base = site.base_url
    assert statuses(conn) == {
        f"{base}/news/shelling.html": ("extracted", None),
        f"{base}/news/convoy.html": ("extracted", None),
        f"{base}/news/ceasefire.html": ("extracted", None),
        f"{base}/files/report.pdf": ("skipped", None),
        f"{base}/news/missing.html": ("failed", "fetch"),
    }
    skipped = scalar(conn, "SELECT last_error FROM articles WHERE status = 'skipped'")
    assert "application/pdf" in skipped
    failed = rows(conn, "SELECT http_status, attempts, last_error FROM articles "
                        "WHERE status = 'failed'")
    assert failed == [(404, 1, "ClientError: HTTP 404")]


def test_same_story_from_two_feeds_is_one_article(settings, site, feeds_file, conn):
    run(settings, feeds_file)
    linked = rows(
        conn,
        """SELECT a.url, array_agg(f.title ORDER BY f.title), array_agg(fa.entry_url)
           FROM articles a JOIN feed_articles fa ON fa.article_id = a.id
           JOIN feeds f ON f.id = fa.feed_id GROUP BY a.url HAVING count(*) > 1""",
    )
    assert len(linked) == 1
    url, feeds, entry_urls = linked[0]
    assert url == f"{site.base_url}/news/convoy.html"
    assert feeds == ["Alpha Wire", "Beta Monitor"]
    assert any("utm_source" in u for u in entry_urls)  # the raw links are kept per feed


def test_second_run_is_not_modified_and_adds_nothing(settings, site, feeds_file, conn):
    run(settings, feeds_file)
    before = counts(conn)
    page_hits = site.hits("/news/shelling.html")
    summary = run(settings, feeds_file, all_feeds=True)
    assert (summary.feeds_polled, summary.feeds_not_modified) == (2, 2)
    assert summary.articles_new == summary.articles_fetched == summary.articles_extracted == 0
    after = counts(conn)
    assert after["feed_polls"] == before["feed_polls"] + 2
    assert {k: v for k, v in after.items() if k != "feed_polls"} == {
        k: v for k, v in before.items() if k != "feed_polls"
    }
    assert site.hits("/news/shelling.html") == page_hits
    # the conditional GET carried the stored validators
    last_feed_request = [h for p, h in site.requests if p == "/feeds/alpha.xml"][-1]
    assert last_feed_request.get("If-None-Match", "").startswith('"')
    polls = rows(conn, "SELECT http_status, not_modified, entries_seen FROM feed_polls "
                       "ORDER BY id DESC LIMIT 2")
    assert polls == [(304, True, 0), (304, True, 0)]


def test_rerun_row_counts_equal_distinct_keys(settings, site, feeds_file, conn):
    for _ in range(3):
        run(settings, feeds_file, all_feeds=True)
    assert scalar(conn, "SELECT count(*) - count(DISTINCT url) FROM articles") == 0
    assert scalar(conn, "SELECT count(*) - count(DISTINCT url) FROM feeds") == 0
    assert scalar(
        conn,
        "SELECT count(*) - count(DISTINCT (feed_id, article_id)) FROM feed_articles",
    ) == 0
    assert scalar(conn, "SELECT count(*) FROM articles") == 5
    assert scalar(conn, "SELECT count(*) FROM feed_articles") == 6  # 3 per feed; convoy in both


def test_not_due_feeds_are_not_polled(settings, site, feeds_file, conn):
    run(settings, feeds_file)
    summary = run(settings, feeds_file)  # default interval is 15 minutes: nothing due yet
    assert summary.feeds_polled == 0
    assert scalar(conn, "SELECT count(*) FROM feed_polls") == 2


def test_broken_feeds_do_not_stop_the_rest(settings, site, feeds_file, conn, tmp_path):
    listing = feeds_file.read_text() + "".join(
        f'  - url: "{site.base_url}{path}"\n'
        for path in ("/feeds/broken.xml", "/feeds/gone.xml", "/feeds/bozo.xml")
    )
    site.overrides["/feeds/flaky.xml"] = Reply(503, b"busy", {"Retry-After": "7200"})
    listing += f'  - url: "{site.base_url}/feeds/flaky.xml"\n'
    path = tmp_path / "more.yaml"
    path.write_text(listing)
    summary = run(settings, path)
    assert summary.feeds_polled == 6 and summary.feeds_failed == 3
    assert summary.articles_extracted == 3
    state = {
        r[0].rsplit("/", 1)[1]: r[1:]
        for r in rows(conn, "SELECT url, consecutive_failures, last_status, last_error, "
                            "next_poll_at > now() + interval '1 hour' FROM feeds")
    }
    assert state["broken.xml"][:2] == (1, 200) and "ParseError" in state["broken.xml"][2]
    assert state["gone.xml"][:3] == (1, 404, "ClientError: HTTP 404")
    assert state["flaky.xml"][:2] == (1, 503) and state["flaky.xml"][3]  # Retry-After honoured
    assert state["bozo.xml"][:3] == (0, 200, None)  # malformed but has an entry: used
    warning = scalar(conn, "SELECT p.warning FROM feed_polls p JOIN feeds f ON f.id = p.feed_id "
                           "WHERE f.url LIKE '%bozo.xml'")
    assert warning
    errors = rows(conn, "SELECT error FROM feed_polls WHERE error IS NOT NULL ORDER BY error")
    assert len(errors) == 3


def test_failed_article_is_retried_on_the_next_run(settings, site, feeds_file, conn):
    calls = {"n": 0}

    def flaky(handler):
        calls["n"] += 1
        return Reply(500, b"oops") if calls["n"] == 1 else None  # then served normally

    site.overrides["/news/shelling.html"] = flaky
    first = run(settings, feeds_file)
    assert first.articles_failed == 2  # shelling (500) and missing (404)
    assert statuses(conn)[f"{site.base_url}/news/shelling.html"] == ("failed", "fetch")
    second = run(settings, feeds_file)  # retry_base_s=0: the back-off has expired
    assert second.articles_fetched == 1 and second.articles_extracted == 1
    assert rows(conn, "SELECT status, attempts, last_error FROM articles WHERE url = %s",
                (f"{site.base_url}/news/shelling.html",)) == [("extracted", 0, None)]
    assert calls["n"] == 2
    missing = rows(conn, "SELECT attempts FROM articles WHERE url LIKE '%missing.html'")
    assert missing == [(2,)]


def test_backoff_delays_retry_and_gives_up_after_max_attempts(settings, site, feeds_file, conn):
    site.overrides["/news/shelling.html"] = Reply(500, b"down")
    slow = replace(settings, retry_base_s=3600)
    run(slow, feeds_file)
    run(slow, feeds_file)  # back-off not expired: not retried
    assert scalar(conn, "SELECT attempts FROM articles WHERE url LIKE '%shelling.html'") == 1
    # an hour passes
    rows(conn, "UPDATE articles SET next_attempt_at = now() - interval '1 second' "
               "WHERE next_attempt_at IS NOT NULL RETURNING id")
    fast = replace(settings, max_attempts=3)
    for _ in range(4):
        run(fast, feeds_file)
    row = rows(conn, "SELECT status, attempts, next_attempt_at FROM articles "
                     "WHERE url LIKE '%shelling.html'")
    assert row == [("failed", 3, None)]  # gave up: no further attempt scheduled


def test_opml_feed_list(settings, site, conn, tmp_path):
    path = tmp_path / "list.opml"
    path.write_text((DATA / "feeds.opml").read_text().replace("{{BASE_URL}}", site.base_url))
    summary = run(settings, path)
    assert summary.feeds_polled == 2 and summary.articles_extracted == 3
    assert len(summary.feed_list_problems) == 2
    tags = dict(rows(conn, "SELECT title, tags FROM feeds"))
    assert tags == {"Alpha Wire": ["Conflict"], "Beta Monitor": ["Conflict", "Middle East",
                                                                  "monitor"]}


def test_feed_removed_from_list_is_deactivated_not_deleted(settings, site, feeds_file, conn,
                                                           tmp_path):
    run(settings, feeds_file)
    only_alpha = tmp_path / "alpha.yaml"
    only_alpha.write_text(f'feeds:\n  - url: "{site.base_url}/feeds/alpha.xml"\n')
    summary = run(settings, only_alpha, all_feeds=True)
    assert summary.feeds_polled == 1
    assert dict(rows(conn, "SELECT title, active FROM feeds")) == {
        "Alpha Wire": True, "Beta Monitor": False,
    }
    assert scalar(conn, "SELECT count(*) FROM feed_polls") == 3


def test_extracted_fields(settings, site, feeds_file, conn):
    run(settings, feeds_file)
    row = rows(
        conn,
        """SELECT title, author, site_name, language, published_at, published_source, text,
                  text_hash, final_url, http_status, content_type, fetched_at IS NOT NULL,
                  extracted_at IS NOT NULL
           FROM articles WHERE url LIKE '%shelling.html'""",
    )[0]
    (title, author, site_name, language, published, source, text, text_hash, final_url,
     status, ctype, fetched, extracted) = row
    assert title == "Shelling reported near the river crossing"
    assert author == "Amal Haddad" and site_name == "Alpha Wire" and language == "en"
    assert published.isoformat() == "2026-11-24T08:30:00+00:00" and source == "page"
    assert "forcing hundreds of families" in text
    assert "COMMENTMARKER" not in text and "All rights reserved" not in text
    assert len(text_hash) == 64 and final_url.endswith("/news/shelling.html")
    assert (status, ctype, fetched, extracted) == (200, "text/html", True, True)
    # the page gives only a date; the feed's time on that day refines it
    ceasefire = rows(conn, "SELECT published_at, published_source FROM articles "
                           "WHERE url LIKE '%ceasefire.html'")[0]
    assert ceasefire[0].isoformat() == "2026-11-25T09:00:00+00:00" and ceasefire[1] == "page"
    # raw HTML is kept compressed
    raw = rows(conn, "SELECT raw_bytes, length(html_gz) FROM article_html h JOIN articles a "
                     "ON a.id = h.article_id WHERE a.url LIKE '%shelling.html'")[0]
    assert raw[0] > raw[1] > 0


def test_latin1_page_and_language(settings, site, conn, tmp_path):
    site.files["/feeds/fr.xml"] = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>FR</title>'
        b"<item><title>Sahel</title><link>{{BASE_URL}}/news/sahel-fr.html</link></item>"
        b"</channel></rss>"
    )
    path = tmp_path / "fr.yaml"
    path.write_text(f'feeds:\n  - url: "{site.base_url}/feeds/fr.xml"\n')
    assert run(settings, path).articles_extracted == 1
    title, text, language = rows(conn, "SELECT title, text, language FROM articles")[0]
    assert title == "Des milliers de déplacés après des combats au Sahel"
    assert "Les déplacés se sont réfugiés" in text and language == "fr"
