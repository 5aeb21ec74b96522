"""Extraction bounds: a page of a million tiny elements, a slow page, the watchdog's hygiene."""

from __future__ import annotations

import gzip
import time
import tracemalloc

import pytest
from conftest import corpus_dir
from trafilatura import bare_extraction

from etl.errors import ParseError
from etl.stages.extract import extract_job
from etl.stages.limits import (
    PageLimitError,
    PageLimits,
    attribute_work,
    count_elements,
    run_bounded,
)

LEAD = b"<p>" + b"The ceasefire held in the north of the province today. " * 20 + b"</p>"


def tiny_elements(n: int, tag: bytes = b"i") -> bytes:
    return (b"<html><body><article>" + LEAD + (b"<%s>a</%s>" % (tag, tag)) * n
            + b"</article></body></html>")


def test_a_million_tiny_elements_are_refused_before_parsing():
    page = tiny_elements(1_000_000)
    assert len(page) < 10 * 1024 * 1024  # under the page cap: only the element bound stops it
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(PageLimitError, match=r"about 1,000,00\d elements \(limit 50,000"):
            run_bounded(page, lambda: bare_extraction(page), PageLimits())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 5_000_000  # the check reads the bytes, it parses nothing


def many_attributes(per_tag: int, tags: int) -> bytes:
    attrs = b"".join(b" a%d=1" % i for i in range(per_tag))
    return (b"<html><body><article>" + LEAD + b"".join(b"<i" + attrs + b">x</i>"
                                                       for _ in range(tags))
            + b"</article></body></html>")


def test_tags_with_thousands_of_attributes_are_refused_before_parsing():
    # 32 s inside libxml2's parser, where no time limit can interrupt it
    page = many_attributes(8_000, 100)
    started = time.monotonic()
    with pytest.raises(PageLimitError, match=r"tags with up to 8,000 attributes"):
        run_bounded(page, lambda: bare_extraction(page), PageLimits())
    assert time.monotonic() - started < 2
    # a few dozen attributes a tag, as real pages have, pass
    assert attribute_work(many_attributes(40, 200))[0] < PageLimits().max_attribute_work


def test_a_slow_page_under_the_element_bound_is_interrupted():
    page = tiny_elements(40_000, b"div")  # about 10 s of trafilatura unbounded
    limits = PageLimits(max_elements=50_000, timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(PageLimitError, match=r"longer than 1 s \(NEWSMON_EXTRACT_TIMEOUT\)"):
        run_bounded(page, lambda: bare_extraction(page), limits)
    assert time.monotonic() - started < 4
    # the same worker goes on extracting normal pages
    normal = tiny_elements(20)
    doc = run_bounded(normal, lambda: bare_extraction(normal), limits)
    assert "ceasefire held" in doc.text


def test_broad_exception_handlers_cannot_swallow_the_time_limit():
    def stubborn() -> None:
        while True:
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001, S110 - what a library's fallback might do
                pass

    with pytest.raises(PageLimitError):
        run_bounded(b"<p>x</p>", stubborn, PageLimits(timeout_s=0.3))


def test_the_watchdog_never_fires_after_the_extraction():
    limits = PageLimits(timeout_s=0.2)
    for _ in range(20):
        assert run_bounded(b"<p>x</p>", lambda: 42, limits) == 42
    time.sleep(0.5)  # a leaked watchdog would raise here, in unrelated code
    assert sum(range(10)) == 45


def test_zero_turns_the_bounds_off():
    page = tiny_elements(60_000)
    assert run_bounded(page, lambda: "ok", PageLimits(max_elements=0, timeout_s=0)) == "ok"
    with pytest.raises(PageLimitError):
        run_bounded(page, lambda: "ok", PageLimits(timeout_s=0))


def test_the_worker_records_the_bound_as_the_page_failure():
    job = (7, gzip.compress(tiny_elements(1_000_000)), "http://example.org/bomb", None, None)
    article_id, extracted, error = extract_job(job)
    assert (article_id, extracted) == (7, None)
    assert error.startswith("ParseError: page too complex to extract")
    assert issubclass(PageLimitError, ParseError)


def test_real_pages_are_far_under_the_structural_bounds():
    pages = sorted((corpus_dir() / "extraction" / "zyte" / "html").glob("*.html.gz"))
    if not pages:
        pytest.skip(f"evaluation corpus not found at {corpus_dir()} (set NEWSMON_CORPUS_DIR)")
    bodies = [gzip.decompress(p.read_bytes()) for p in pages]
    counts = [count_elements(body) for body in bodies]
    assert max(counts) * 10 < PageLimits().max_elements, max(counts)
    work = [attribute_work(body)[0] for body in bodies]
    assert max(work) * 10 < PageLimits().max_attribute_work, max(work)


@pytest.mark.slow
def test_the_limits_given_to_the_run_reach_every_worker_process(monkeypatch):
    """Settings(extract_max_elements=...) given to run() bound the workers, whatever their
    environment says (they no longer re-read it)."""
    from etl.settings import Settings
    from etl.stages.process import Workers

    monkeypatch.setenv("NEWSMON_EXTRACT_MAX_ELEMENTS", "900000")  # what a re-read would see
    page = gzip.compress(tiny_elements(2_000))  # under the default bound, over the run's
    jobs = [(i, page, f"http://example.org/{i}", None, None) for i in range(4)]
    limits = PageLimits.from_settings(Settings(extract_max_elements=500))
    with Workers(2, tag=False, limits=limits) as workers:
        assert workers.pool is not None  # real worker processes
        futures = [workers.submit(jobs[:2]), workers.submit(jobs[2:])]
        outcomes = [o for f in futures for o in f.result()[0]]
    assert [o[0] for o in outcomes] == [0, 1, 2, 3]
    for _id, extracted, error, _tags in outcomes:
        assert extracted is None and "limit 500," in error, error


@pytest.mark.slow
def test_the_tag_time_bound_given_to_the_run_reaches_every_worker_process(monkeypatch):
    """Settings(tag_timeout_s=...) given to the run bound tagging in the worker processes,
    whatever their environment says (NEWSMON_TAG_TIMEOUT is not re-read there)."""
    from etl.settings import Settings
    from etl.stages.process import Workers
    from etl.stages.tagbound import TagFailure

    monkeypatch.setenv("NEWSMON_TAG_TIMEOUT", "600")  # what a re-read would see
    text = "Militants shelled Mosul ) Kirkuk ) Basra ) killing 3 people. " * 1500
    items = [(i, text, None) for i in range(4)]
    limits = PageLimits.from_settings(Settings(tag_timeout_s=0.05))
    with Workers(2, limits=limits) as workers:
        assert workers.pool is not None  # real worker processes
        futures = [workers.submit_tags(items[:2]), workers.submit_tags(items[2:])]
        outcomes = [o for f in futures for o in f.result()[0]]
    assert [article_id for article_id, _ in outcomes] == [0, 1, 2, 3]
    for _id, outcome in outcomes:
        assert isinstance(outcome, TagFailure), outcome
        assert "longer than 0.05 s of CPU" in outcome.reason, outcome.reason
