"""The place gazetteer's cache under Airflow: built once by a real task, then reused.

Inside an Airflow task the main module is the ``airflow`` command, which cannot be imported
again there; a ``multiprocessing`` ``spawn`` child re-imports it and dies, so the cache was
never written and every task built the gazetteer in memory (issue 21). Here ``__main__`` is a
module that fails when re-imported, like ``airflow`` in a task, and the cache directory is
empty: the first run must write the cache, the second must load it without building.
"""

from __future__ import annotations

import logging
import sys
import types

import pytest

pytestmark = pytest.mark.usefixtures("airflow_db")


def problems(caplog) -> list[logging.LogRecord]:
    """ERROR lines of any logger, and the tagger's warnings (the test site's 404 is expected)."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR
            or (r.name.startswith("etl.tagging") and r.levelno >= logging.WARNING)]


def forget_tagger() -> None:
    """No tagger or gazetteer in this process's memory (both are per process), as in a new
    task process."""
    from etl.stages.tagstage import get_tagger
    from etl.tagging.geo.gazetteer import load_places

    get_tagger.cache_clear()
    load_places.cache_clear()


@pytest.fixture
def spied_cache(monkeypatch):
    """Counts of cache builds and cache reads (spies: the real functions run)."""
    from etl.tagging.geo import gazetteer

    calls = {"build": 0, "read": 0}

    def counted(name: str, function):
        def call(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(gazetteer, "build_in_child", counted("build", gazetteer.build_in_child))
    monkeypatch.setattr(gazetteer, "_read_cache", counted("read", gazetteer._read_cache))
    forget_tagger()
    yield calls
    forget_tagger()


@pytest.mark.timeout(600)
def test_task_writes_the_gazetteer_cache_once(dagbag, newsmon_env, site, query, db_url,
                                              tmp_path, monkeypatch, caplog, spied_cache):
    import psycopg2

    cache = tmp_path / "cache"
    monkeypatch.setenv("NEWSMON_CACHE_DIR", str(cache))
    trap = tmp_path / "airflow_like_main.py"
    trap.write_text("raise SystemExit('the task main module was imported again')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(trap)
    monkeypatch.setitem(sys.modules, "__main__", main)
    caplog.set_level(logging.INFO, logger="etl")

    dag = dagbag.get_dag("newsmon_ingest")
    assert dag.test().state == "success"
    assert query("SELECT count(*) FROM articles WHERE taxonomy_version IS NOT NULL") == [(3,)]
    built = [p for p in cache.glob("places-*") if (p / "places.json").is_file()]
    assert len(built) == 1, sorted(cache.iterdir()) if cache.exists() else "no cache dir"
    assert spied_cache == {"build": 1, "read": 1}
    assert not problems(caplog), [r.getMessage() for r in problems(caplog)]
    inode = (built[0] / "places.json").stat().st_ino

    # a later run (a new task process: no gazetteer in memory) re-tags: it loads the cache
    forget_tagger()
    caplog.clear()
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:  # commits on exit
        cur.execute("UPDATE articles SET taxonomy_version = 'older' "
                    "WHERE taxonomy_version IS NOT NULL")
        assert cur.rowcount == 3
    assert dag.test().state == "success"
    assert query("SELECT count(*) FROM articles WHERE taxonomy_version = 'older'") == [(0,)]
    assert spied_cache == {"build": 1, "read": 2}  # loaded, not built again
    assert (built[0] / "places.json").stat().st_ino == inode
    assert not problems(caplog), [r.getMessage() for r in problems(caplog)]
