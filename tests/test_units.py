"""Unit tests of the pure parts: feed parsing, dates, text, the per-host scheduler."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from conftest import DATA

from bench.metrics import page_counts, score
from etl.errors import ParseError
from etl.stages.extract import choose_published, extract_article, text_hash
from etl.stages.fetch import looks_like_html
from etl.stages.poll import neutralise_doctype, parse_feed, plain_text
from etl.web.concurrency import run_per_host

BASE = "http://news.test/feeds/alpha.xml"


def feed_bytes(name: str) -> bytes:
    return (DATA / "site" / "feeds" / name).read_bytes().replace(b"{{BASE_URL}}", b"http://news.test")


def test_parse_feed_dedups_and_drops_unusable_links():
    result = parse_feed(feed_bytes("alpha.xml"), {"content-type": "application/rss+xml"}, BASE)
    assert result.entries_seen == 5
    assert [e.url for e in result.entries] == [
        "http://news.test/news/shelling.html",
        "http://news.test/news/convoy.html",
        "http://news.test/files/report.pdf",
    ]
    first = result.entries[0]
    assert first.summary == "Residents said shelling began at dawn."  # markup removed
    assert first.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    # feedparser resolves an RSS guid (a permalink by default) against the feed address
    assert first.entry_id.endswith("alpha-1") and result.feed_title == "Alpha Wire"


def test_relative_links_resolve_against_the_feed_address():
    result = parse_feed(feed_bytes("beta.atom"), {}, "http://news.test/feeds/beta.atom")
    assert "http://news.test/news/ceasefire.html" in [e.url for e in result.entries]


def test_bozo_feed_with_entries_is_used_with_a_warning():
    result = parse_feed(feed_bytes("bozo.xml"), {}, BASE)
    assert len(result.entries) == 1 and result.warning


@pytest.mark.parametrize("body", [b"", b"not a feed", b"<html><body>hello</body></html>"])
def test_document_without_entries_is_a_parse_error(body):
    with pytest.raises(ParseError):
        parse_feed(body, {}, BASE)


def test_internal_dtd_subset_is_emptied_before_parsing():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"A" * 1000 + b'">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>t &b;</title>'
        + b"<item><title>x &b;&b;&b;</title><link>http://news.test/a</link></item>" * 2000
        + b"</channel></rss>"
    )
    cleaned = neutralise_doctype(bomb)
    # the subset stays, each entity declared empty (see etl/stages/doctype.py)
    assert b"AAAA" not in cleaned and b"&a;&a;" not in cleaned
    assert cleaned.startswith(b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "">\n'
                              b'<!ENTITY b "">\n]><rss')
    started = time.monotonic()
    result = parse_feed(bomb, {}, BASE)
    assert time.monotonic() - started < 10
    assert all(len(e.title or "") < 1000 for e in result.entries)
    ordinary = b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape" "x.dtd"><rss/>'
    assert neutralise_doctype(ordinary) == ordinary


def test_future_feed_dates_are_dropped():
    data = (b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
            b"<link>http://news.test/a</link><pubDate>Mon, 01 Jan 2099 00:00:00 GMT</pubDate>"
            b"</item></channel></rss>")
    assert parse_feed(data, {}, BASE).entries[0].published_at is None


def test_plain_text():
    assert plain_text("<p>A &amp; B</p>\n<script>x</script>") == "A & B x"
    assert plain_text("") is None and plain_text(None) is None


def test_choose_published():
    now = datetime(2026, 11, 27, tzinfo=UTC)
    feed = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    day = datetime(2026, 11, 24, tzinfo=UTC)
    exact = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert choose_published(exact, feed, now) == (exact, "page")
    assert choose_published(day, feed, now) == (feed, "page")  # refined by the feed's time
    assert choose_published(datetime(2026, 11, 20, tzinfo=UTC), feed, now)[0].day == 20
    assert choose_published(None, feed, now) == (feed, "feed")
    assert choose_published(datetime(2030, 1, 1, tzinfo=UTC), feed, now) == (feed, "feed")
    assert choose_published(None, None, now) == (None, None)


def test_extract_article_rejects_pages_without_text():
    for page in (b"<html><body><nav>Home</nav></body></html>",
                 b"<html><head><title>Empty</title></head><body></body></html>", b""):
        with pytest.raises(ParseError):
            extract_article(page, "http://news.test/a")


def test_extract_article_uses_the_declared_charset_and_falls_back():
    page = (DATA / "site" / "news" / "sahel-fr.html").read_bytes()
    good = extract_article(page, "http://news.test/a", "iso-8859-1")
    wrong = extract_article(page, "http://news.test/a", "utf-8")  # a lying header
    assert "déplacés" in good.text and good.language == "fr"
    assert "déplacés" in wrong.text


def test_text_hash_ignores_whitespace():
    assert text_hash("a  b\nc") == text_hash("a b c") != text_hash("a b d")


def test_looks_like_html():
    assert looks_like_html(b"<!doctype html><html></html>")
    assert not looks_like_html(b"%PDF-1.4 ...")
    assert not looks_like_html(b"\x89PNG\r\n")
    assert not looks_like_html(b"abc\x00def")


def test_metric():
    assert page_counts("a b c d e", "a b c d e") == (2, 0, 0)
    assert page_counts("a b c d e", "a b c d") == (1, 0, 1)
    perfect = score([("a b c d e", "a b c d e")])
    assert perfect.f1 == 1.0
    assert score([("a b c d e", "")]).f1 == 0.0


def test_run_per_host_caps_concurrency_per_host_and_yields_errors():
    active, peak, lock = Counter(), Counter(), threading.Lock()

    def work(item):
        host, n = item
        with lock:
            active[host] += 1
            peak[host] = max(peak[host], active[host])
        time.sleep(0.02)
        with lock:
            active[host] -= 1
        if n == 3:
            raise ValueError("boom")
        return n

    items = [(h, n) for h in ("a", "b", "c") for n in range(8)]
    results = list(run_per_host(items, lambda i: i[0], work, workers=6, per_host=2))
    assert len(results) == 24
    assert max(peak.values()) == 2 and set(peak) == {"a", "b", "c"}
    errors = [r for _, r in results if isinstance(r, Exception)]
    assert len(errors) == 3 and all(isinstance(e, ValueError) for e in errors)
