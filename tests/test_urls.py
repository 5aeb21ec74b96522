"""Canonical URLs: the identity of an article."""

import pytest

from etl.web.urls import BadURL, canonical_url, host_of


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("HTTP://Example.COM:80/a/b", "http://example.com/a/b"),
        ("https://www.BBC.co.uk:443/news/world-1?at_medium=RSS&at_campaign=KARANGA",
         "https://www.bbc.co.uk/news/world-1"),
        ("https://x.org/story?utm_source=rss&utm_medium=feed&id=7#comments",
         "https://x.org/story?id=7"),
        ("https://x.org/story?fbclid=abc", "https://x.org/story"),
        ("https://x.org/a/../b/./c.html", "https://x.org/b/c.html"),
        ("https://x.org", "https://x.org/"),
        ("https://x.org/s?b=2&a=1", "https://x.org/s?a=1&b=2"),
        ("  https://x.org/padded  ", "https://x.org/padded"),
    ],
)
def test_canonical_forms(link, expected):
    assert canonical_url(link) == expected


def test_variants_of_one_story_are_one_url():
    variants = [
        "https://News.example.org/2026/11/story.html",
        "https://news.example.org:443/2026/11/story.html#top",
        "https://news.example.org/2026/11/story.html?utm_source=twitter&utm_campaign=x",
    ]
    assert len({canonical_url(v) for v in variants}) == 1


def test_relative_links_resolve_against_the_feed():
    assert canonical_url("/news/a.html", "https://x.org/feeds/rss.xml") == "https://x.org/news/a.html"
    assert canonical_url("b.html", "https://x.org/news/a.html") == "https://x.org/news/b.html"


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:text/html,<b>x</b>", "mailto:a@b.org", "ftp://x.org/f",
            "", "   ", "https://" , "https://x.org/" + "a" * 3000, None],
)
def test_links_that_are_not_articles(bad):
    with pytest.raises(BadURL):
        canonical_url(bad)


def test_host_of():
    assert host_of("https://WWW.Example.org:8080/x") == "www.example.org"
    assert host_of("not a url") == ""
