"""Poison items: one hostile value must never stop a batch, a feed, a sync or a run.

Each class of poison (NULs, lone surrogates, links too long once encoded, a search vector over
1 MB, a Retry-After that overflows, impossible publication dates, bad feed-list entries) is fed
to the real stage against a real PostgreSQL and the local HTTP server.
"""

from __future__ import annotations

import random
import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from conftest import rows, scalar

from bench import campaign
from etl.stages import extract, tagstage
from etl.stages.feedlist import FeedList, FeedSpec, parse_yaml
from etl.stages.fetch import fetch_pending
from etl.stages.poll import Entry, _store_entries, due_feeds, poll_feeds, sync_feeds
from etl.store import values
from etl.store.db import transaction
from etl.tagging.core.spans import Entity
from etl.tagging.core.tagger import TagResult
from etl.web.http import HttpClient
from etl.web.site import Reply, Site


def incompressible(n: int, seed: int = 1) -> str:
    """Random letters: PostgreSQL cannot compress them into an index entry."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


# -- the boundary module -----------------------------------------------------------------------


def test_values_are_made_storable_or_refused():
    assert values.text("a\x00b\ud800c", 10) == "abc"
    assert values.text("\x00") is None and values.text(None) is None
    assert values.text("x" * 50, 20) == "x" * 20
    assert values.unstorable_reason("ok") is None
    assert "NUL" in values.unstorable_reason("a\x00")
    assert "U+D800" in values.unstorable_reason("a\ud800")
    cjk = "http://example.org/" + "新" * 2000
    assert len(cjk) < 2048  # short in characters ...
    with pytest.raises(values.Unstorable, match="bytes long"):
        values.check_url(cjk)  # ... 6,000 bytes once encoded
    assert values.check_url("http://example.org/a") == "http://example.org/a"
    assert values.seconds(1e20, 3600) == 3600 and values.seconds(-5, 3600) == 0
    assert values.seconds(float("inf"), 60) == 60 and values.seconds(None, 60) is None
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert values.published(datetime(1985, 1, 1, tzinfo=UTC), now) is None
    assert values.published(now + timedelta(days=2), now) is None
    assert values.published(now - timedelta(days=2), now) == now - timedelta(days=2)
    refs = values.storable_charrefs(b"a&#0;b&#xD800;c&#55296;d&#x10FFFF;e&#8217;f&#x0000;")
    assert refs == b"a&#xFFFD;b&#xFFFD;c&#xFFFD;d&#x10FFFF;e&#8217;f&#xFFFD;"
    # without the semicolon (feedparser's lenient parser takes these too), and absurdly long
    assert values.storable_charrefs(b"&#xd800 &#55296< &#" + b"9" * 5000 + b";") == (
        b"&#xFFFD; &#xFFFD;< &#xFFFD;")
    wide = "<t>a&#xD800;b&#8217;</t>".encode("utf-16")  # with its byte-order mark
    assert values.storable_charrefs(wide).decode("utf-16") == "<t>a&#xFFFD;b&#8217;</t>"
    assert values.row_error(ValueError("NUL")) and not values.row_error(RuntimeError("x"))


def test_publication_dates_before_1990_or_after_tomorrow_are_not_kept():
    now = datetime(2026, 11, 30, tzinfo=UTC)
    feed = datetime(2026, 11, 29, 8, tzinfo=UTC)
    assert extract.choose_published(datetime(1985, 11, 2, tzinfo=UTC), feed, now) == (
        feed, "feed")
    assert extract.choose_published(None, datetime(1970, 1, 1, tzinfo=UTC), now) == (None, None)
    assert extract.choose_published(now + timedelta(days=3), None, now) == (None, None)


# -- poll: entries ------------------------------------------------------------------------------


def test_poisoned_feed_entries_are_cleaned_or_refused_and_the_rest_stored(conn, settings):
    cjk = "新" * 2000
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T&#0;</title>'
        "<item><title>NUL&#0;title</title><guid>g&#0;1</guid><link>{{BASE_URL}}/a.html</link>"
        "</item><item><title>lone &#xD800; half</title><link>{{BASE_URL}}/b.html</link>"
        "<pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>"
        f"<item><title>cjk</title><link>{{{{BASE_URL}}}}/{cjk}</link></item>"
        "<item><title>fine</title><link>{{BASE_URL}}/c.html</link></item></channel></rss>"
    ).encode()
    with Site(files={"/f.xml": feed}) as site:
        sync_feeds(conn, FeedList([FeedSpec(site.url("/f.xml"))]))
        with HttpClient(settings) as client:
            outcome, = poll_feeds(conn, settings, client, due_feeds(conn))
    assert outcome.outcome == "ok" and outcome.new_articles == 3
    stored = dict(rows(conn, "SELECT split_part(url, '/', 4), feed_title FROM articles"))
    assert stored == {"a.html": "NUL\ufffdtitle", "b.html": "lone \ufffd half", "c.html": "fine"}
    assert rows(conn, "SELECT count(*) FROM articles WHERE feed_published_at IS NOT NULL") == [
        (0,)]
    warning, unusable = rows(conn, "SELECT warning, entries_unusable FROM feed_polls")[0]
    assert unusable == 1 and "bytes long" in warning


def test_an_entry_the_database_refuses_does_not_take_the_others(conn):
    feed_id = scalar(conn, "INSERT INTO feeds (url) VALUES ('http://f.example/x') RETURNING id")
    huge = "http://e.example/" + incompressible(9000)  # overflows the unique index on url
    entries = [
        Entry("http://e.example/1", "http://e.example/1", None, "one", None, None),
        Entry(huge, huge, None, "too long to index", None, None),
        Entry("http://e.example/2", "http://e.example/2", None, "NUL\x00", None, None),
        Entry("http://e.example/3", "http://e.example/3", None, "three", None, None),
    ]
    with transaction(conn) as cur:
        new, refused = _store_entries(cur, feed_id, entries)
    assert new == 2
    assert len(refused) == 2
    assert "index row" in refused[0] and "NUL" in refused[1]
    assert rows(conn, "SELECT feed_title FROM articles ORDER BY id") == [("one",), ("three",)]
    assert rows(conn, "SELECT count(*) FROM feed_articles") == [(2,)]


# -- the feed list ------------------------------------------------------------------------------


def test_bad_feed_list_entries_are_skipped_with_a_message():
    doc = ('feeds:\n  - url: "http://a.example/feed"\n'
           f'  - url: "http://b.example/{"x" * 6000}"\n'
           '  - url: "http://c.example/feed"\n    title: "bad \\0 title"\n'
           '  - url: "http://d.example/feed"\n    tags: [ok, "bad \\0 tag"]\n'
           '  - url: "http://e.example/feed"\n    title: "fine"\n')
    parsed = parse_yaml(doc)
    assert [f.url for f in parsed.feeds] == ["http://a.example/feed", "http://e.example/feed"]
    assert len(parsed.problems) == 3
    assert "entry 2: skipped (url is 6,0" in parsed.problems[0]
    assert "title holds a NUL" in parsed.problems[1] and "tag holds a NUL" in parsed.problems[2]


def test_a_feed_the_database_refuses_is_skipped_and_the_rest_synced(conn):
    bad = "http://b.example/" + incompressible(9000)
    feed_list = FeedList([FeedSpec("http://a.example/feed", "A"), FeedSpec(bad),
                          FeedSpec("http://c.example/feed", "C\x00"),
                          FeedSpec("http://d.example/feed", tags=("ok",))])
    result = sync_feeds(conn, feed_list)
    assert (result.added, result.active, result.skipped) == (2, 2, 2)
    assert rows(conn, "SELECT url FROM feeds ORDER BY url") == [
        ("http://a.example/feed",), ("http://d.example/feed",)]
    assert len(feed_list.problems) == 2
    assert "index row" in feed_list.problems[0] and "NUL" in feed_list.problems[1]


# -- fetch: Retry-After -------------------------------------------------------------------------


def _new_articles(conn, site: Site, paths: list[str]) -> None:
    for path in paths:
        rows(conn, "INSERT INTO articles (url, host, discovered_url) VALUES (%s, %s, %s) "
                   "RETURNING id", (site.url(path), "127.0.0.1", site.url(path)))


def test_a_huge_retry_after_is_capped_by_max_backoff(conn, settings):
    settings = replace(settings, max_backoff_s=900)
    with Site(files={"/ok.html": campaign.article_page(1)}) as site:
        site.overrides["/overflow.html"] = Reply(503, b"", {"Retry-After": "9" * 20})
        site.overrides["/huge.html"] = Reply(503, b"", {"Retry-After": "100000000000"})
        _new_articles(conn, site, ["/overflow.html", "/huge.html", "/ok.html"])
        with HttpClient(settings) as client:
            stats = fetch_pending(conn, settings, client)
    assert (stats.fetched, stats.failed) == (1, 2)
    assert rows(conn, "SELECT count(*) FROM articles WHERE status = 'failed' AND "
                      "next_attempt_at BETWEEN now() + interval '880 seconds' "
                      "AND now() + interval '920 seconds'") == [(2,)]


# -- extraction: the search vector and the store ------------------------------------------------


def test_a_text_whose_search_vector_passes_1_mb_is_still_stored_and_searchable(conn):
    text = campaign.many_words_page().decode()
    words = text.split("<p>")[1].split()
    with pytest.raises(psycopg2.errors.ProgramLimitExceeded):  # the poison is real
        rows(conn, "SELECT length(to_tsvector('simple', %s))", (text,))
    conn.rollback()
    rows(conn, "INSERT INTO articles (url, host, discovered_url, status, text, language) "
               "VALUES ('http://x.example/a', 'x.example', 'http://x.example/a', 'extracted', "
               "%s, 'en') RETURNING id", (text,))
    assert scalar(conn, "SELECT count(*) FROM articles WHERE search_tsv @@ "
                        "plainto_tsquery('simple', %s)", (words[3],)) == 1
    assert scalar(conn, "SELECT pg_column_size(search_tsv) < 1048576 FROM articles")


def _extracted(text: str) -> extract.Extracted:
    return extract.Extracted("t", text, None, None, None, None, None, "en",
                             extract.text_hash(text))


def test_an_article_the_database_refuses_fails_alone_with_its_reason(conn, settings):
    ids = [scalar(conn, "INSERT INTO articles (url, host, discovered_url, status) VALUES "
                        "(%s, 'x.example', %s, 'fetched') RETURNING id", (u, u))
           for u in ("http://x.example/1", "http://x.example/2", "http://x.example/3")]
    refused = extract.store_extracted(conn, settings, [(ids[0], _extracted("good one")),
                                                       (ids[1], _extracted("NUL \x00 inside")),
                                                       (ids[2], _extracted("good two"))], [])
    assert [f.article_id for f in refused] == [ids[1]]
    got = rows(conn, "SELECT status, last_error, next_attempt_at IS NOT NULL FROM articles "
                     "ORDER BY id")
    assert [g[0] for g in got] == ["extracted", "failed", "extracted"]
    assert "could not store the extracted text" in got[1][1] and "NUL" in got[1][1]
    assert got[1][2]  # retried on its own schedule


def test_tags_the_database_refuses_leave_the_others_stored(conn, settings):
    ids = [scalar(conn, "INSERT INTO articles (url, host, discovered_url, status, text) VALUES "
                        "(%s, 'x.example', %s, 'extracted', 'Mosul text') RETURNING id", (u, u))
           for u in ("http://x.example/1", "http://x.example/2")]
    ok = TagResult(0.5, True, entities=[Entity("Mosul", 0, 5, "location")],
                   taxonomy_version="v1")
    bad = TagResult(0.5, True, entities=[Entity("Mo\x00sul", 0, 5, "location")],
                    taxonomy_version="v1")
    refused = tagstage.store_rows(conn, [tagstage.rows_for(ids[0], "Mosul text", ok),
                                         tagstage.rows_for(ids[1], "Mosul text", bad)],
                                  retry_s=600)
    assert [i for i, _ in refused] == [ids[1]]
    got = rows(conn, "SELECT taxonomy_version, last_error, tag_lease_until > now() "
                     "FROM articles ORDER BY id")
    assert got[0] == ("v1", None, None)
    assert got[1][0] is None and "NUL" in got[1][1] and got[1][2]  # held until the next run
    assert rows(conn, "SELECT article_id FROM article_mentions") == [(ids[0],)]


# -- the campaign scenario ----------------------------------------------------------------------


@pytest.mark.campaign
def test_poison_items_scenario(db_url, tmp_path):
    result = campaign.scenario_poison(db_url, tmp_path, n_good=6)
    print(result)
    assert result.survived == result.runs == 2, result.notes
    assert result.expected == 9 and result.loaded == result.expected, result.notes
    assert (result.lost, result.duplicated) == (0, 0), result.notes
