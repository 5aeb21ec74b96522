"""Feed lists: YAML and OPML."""

import pytest
from conftest import DATA

from etl.errors import ConfigError
from etl.settings import DEFAULT_FEEDS_FILE
from etl.stages.feedlist import FeedSpec, load_feed_list, parse_opml, parse_yaml


def test_yaml_entries_and_defaults():
    result = parse_yaml(
        b"""feeds:
  - url: HTTPS://Example.ORG/rss.xml
    title: Example
    language: en
    tags: [world, africa]
  - url: https://example.org/rss.xml      # same feed again: kept once
  - https://other.example/feed           # a bare string is allowed
  - title: no url here
  - url: javascript:alert(1)
"""
    )
    assert result.feeds == [
        FeedSpec("https://example.org/rss.xml", "Example", "en", ("world", "africa")),
        FeedSpec("https://other.example/feed"),
    ]
    assert len(result.problems) == 2
    assert "entry 4" in result.problems[0] and "missing url" in result.problems[0]


@pytest.mark.parametrize("data", [b"feeds: 3", b"- a\n- b", b"feeds: [unclosed", b""])
def test_yaml_that_is_not_a_feed_list(data):
    with pytest.raises(ConfigError):
        parse_yaml(data)


def test_opml_folders_become_tags():
    data = (DATA / "feeds.opml").read_bytes().replace(b"{{BASE_URL}}", b"http://news.test")
    result = parse_opml(data)
    assert result.feeds == [
        FeedSpec("http://news.test/feeds/alpha.xml", "Alpha Wire", None, ("Conflict",)),
        FeedSpec("http://news.test/feeds/beta.atom", "Beta Monitor", None,
                 ("Conflict", "Middle East", "monitor")),
    ]
    assert len(result.problems) == 2  # an outline without xmlUrl, and an ftp:// one


def test_format_is_told_by_extension_or_content(tmp_path):
    data = (DATA / "feeds.opml").read_bytes().replace(b"{{BASE_URL}}", b"http://news.test")
    no_ext = tmp_path / "exported"
    no_ext.write_bytes(data)
    assert len(load_feed_list(no_ext).feeds) == 2
    yaml_file = tmp_path / "list.yml"
    yaml_file.write_text("feeds:\n  - url: http://news.test/rss\n")
    assert load_feed_list(yaml_file).feeds == [FeedSpec("http://news.test/rss")]


def test_unreadable_lists_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_feed_list(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    with pytest.raises(ConfigError, match="not valid OPML"):
        load_feed_list(bad)
    entity = tmp_path / "entity.opml"
    entity.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                      '<opml><body><outline type="rss" xmlUrl="http://a.test/&x;"/></body></opml>')
    with pytest.raises(ConfigError, match="entity is external"):  # never resolved
        load_feed_list(entity)


def test_shipped_default_list_is_valid():
    result = load_feed_list(DEFAULT_FEEDS_FILE)
    assert len(result.feeds) >= 25 and result.problems == []
    assert all(f.url.startswith("https://") or f.url.startswith("http://") for f in result.feeds)
    assert all(f.title for f in result.feeds)
