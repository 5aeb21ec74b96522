"""Shared fixtures: a real PostgreSQL, a real local HTTP server, settings for both, and one
tagger per session (``tagger``; ``gazetteer_tagger`` without the spaCy model).

PostgreSQL: ``NEWSMON_TEST_DATABASE_URL`` (an admin URL of any server) if set, else an embedded
server under a temporary NEWSMON_HOME. The schema is migrated once into a template database and
every test gets a fresh copy of it (CREATE DATABASE ... TEMPLATE), so tests never see each
other's rows.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg2
import pytest

from etl.settings import (
    Settings,
    corpus_dir,  # noqa: F401 - the tests import it from here
    testing_database_url,
)
from etl.store.db import connect
from etl.store.embedded import EmbeddedPostgres
from etl.store.migrate import migrate
from etl.web.site import Site

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "newsmon_test_template"
_counter = itertools.count()


def _with_db(url: str, name: str) -> str:
    if "/postgres?" in url:
        return url.replace("/postgres?", f"/{name}?", 1)
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def _admin(url: str, sql: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> str:
    url = testing_database_url()
    server = None
    if not url:
        server = EmbeddedPostgres(tmp_path_factory.mktemp("pghome"))
        url = server.url().replace("/newsmon?", "/postgres?", 1)
    _admin(url, f"DROP DATABASE IF EXISTS {TEMPLATE}")
    _admin(url, f"CREATE DATABASE {TEMPLATE}")
    conn = connect(_with_db(url, TEMPLATE))
    migrate(conn)
    conn.close()
    yield url
    if server is not None:
        server.stop()


@pytest.fixture
def db_url(pg_admin_url) -> str:
    name = f"newsmon_test_{os.getpid()}_{next(_counter)}"
    _admin(pg_admin_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield _with_db(pg_admin_url, name)
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def conn(db_url):
    c = connect(db_url)
    yield c
    c.close()


@pytest.fixture(scope="session")
def tagger():
    """One tagger for the session (spaCy model, gazetteers: seconds to load), the very one the
    pipeline's inline runs use (``get_tagger``); tests only read it."""
    from etl.stages.tagstage import get_tagger

    return get_tagger()


@pytest.fixture(scope="session")
def gazetteer_tagger():
    """A gazetteer-only tagger (no spaCy model), for the session; tests only read it."""
    from etl.tagging.core.tagger import Tagger

    return Tagger(use_model=False)


@pytest.fixture
def site():
    with Site(DATA / "site") as s:
        yield s


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(
        database_url=db_url,
        home=tmp_path / "home",
        allow_private_networks=True,
        extract_processes=1,  # inline: no worker processes in tests unless a test asks
        workers=4,
        per_host=2,
        retry_base_s=0,
        connect_timeout=2,
        read_timeout=3,
        total_timeout=5,
    )


@pytest.fixture
def feeds_file(site, tmp_path) -> Path:
    """tests/data/feeds.yaml with the test server's address filled in."""
    path = tmp_path / "feeds.yaml"
    path.write_text((DATA / "feeds.yaml").read_text().replace("{{BASE_URL}}", site.base_url))
    return path


def rows(conn, sql: str, params=None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        result = cur.fetchall()
    conn.commit()
    return result


def scalar(conn, sql: str, params=None):
    return rows(conn, sql, params)[0][0]
