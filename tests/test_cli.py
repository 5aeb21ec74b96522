"""The ``newsmon`` command as a user runs it: a real process, a real server, a real database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from conftest import rows, scalar

from etl.settings import PACKAGE_DIR
from etl.store.embedded import _find_bin

NEWSMON = str(Path(sys.executable).parent / "newsmon")
MANIFEST = json.loads((PACKAGE_DIR / "demo_site" / "MANIFEST.json").read_text())


def newsmon(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    full_env.update(env)
    full_env["COLUMNS"] = "120"
    return subprocess.run([NEWSMON, *args], env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_run_prints_a_summary_and_json(db_url, site, feeds_file, conn, tmp_path):
    env = {"NEWSMON_DATABASE_URL": db_url, "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1",
           "NEWSMON_HOME": str(tmp_path)}
    result = newsmon("run", "--feeds", str(feeds_file), env=env)
    assert result.returncode == 0, result.stderr
    assert "articles extracted" in result.stdout and "feeds polled" in result.stdout
    assert scalar(conn, "SELECT count(*) FROM articles WHERE status = 'extracted'") == 3
    again = newsmon("run", "--all", "--json", env={**env, "NEWSMON_FEEDS_FILE": str(feeds_file)})
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["feeds_polled"] == summary["feeds_not_modified"] == 2
    assert summary["articles_new"] == 0


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_private_addresses_are_refused_by_default(db_url, site, feeds_file, conn, tmp_path):
    env = {"NEWSMON_DATABASE_URL": db_url, "NEWSMON_HOME": str(tmp_path)}
    result = newsmon("run", "--feeds", str(feeds_file), "--json", env=env)
    assert result.returncode == 0, result.stderr
    # the configured feeds are trusted; the links inside them (loopback here) are not
    assert json.loads(result.stdout)["feeds_polled"] == 2
    errors = rows(conn, "SELECT DISTINCT split_part(last_error, ':', 1), next_attempt_at "
                        "FROM articles")
    assert errors == [("BlockedAddress", None)]


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_clear_errors_for_bad_configuration(tmp_path, db_url):
    env = {"NEWSMON_DATABASE_URL": db_url, "NEWSMON_HOME": str(tmp_path)}
    missing = newsmon("run", "--feeds", str(tmp_path / "nope.yaml"), env=env)
    assert missing.returncode == 1 and "cannot read feed list" in missing.stderr
    bad_db = newsmon("run", "--feeds", str(tmp_path / "x.yaml"),
                     env={**env, "NEWSMON_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert bad_db.returncode == 1
    (tmp_path / "x.yaml").write_text("feeds: []\n")
    bad_db = newsmon("run", "--feeds", str(tmp_path / "x.yaml"),
                     env={**env, "NEWSMON_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert bad_db.returncode == 1 and "cannot connect" in bad_db.stderr
    assert "secret" not in bad_db.stderr + bad_db.stdout  # credentials never printed
    bad_setting = newsmon("run", env={**env, "NEWSMON_WORKERS": "many"})
    assert bad_setting.returncode == 1 and "NEWSMON_WORKERS" in bad_setting.stderr


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_demo_runs_offline_and_twice_adds_nothing(db_url, conn, tmp_path):
    env = {"NEWSMON_DATABASE_URL": db_url, "NEWSMON_HOME": str(tmp_path),
           "NEWSMON_DEMO_PORT": str(free_port())}
    first = newsmon("demo", env=env)
    assert first.returncode == 0, first.stderr
    counts = MANIFEST["counts"]
    expected = {
        "articles": counts["distinct_urls"],
        "extracted": counts["articles"],
        "skipped": counts["skipped"],
        "failed": counts["fetch_failed"],
    }
    actual = {
        "articles": scalar(conn, "SELECT count(*) FROM articles"),
        "extracted": scalar(conn, "SELECT count(*) FROM articles WHERE status = 'extracted'"),
        "skipped": scalar(conn, "SELECT count(*) FROM articles WHERE status = 'skipped'"),
        "failed": scalar(conn, "SELECT count(*) FROM articles WHERE status = 'failed'"),
    }
    assert actual == expected
    assert scalar(conn, "SELECT count(*) FROM (SELECT article_id FROM feed_articles "
                        "GROUP BY 1 HAVING count(*) > 1) s") == counts["in_both_feeds"]
    languages = dict(rows(conn, "SELECT language, count(*) FROM articles "
                                "WHERE status = 'extracted' GROUP BY 1"))
    assert languages == counts["articles_by_language"]
    assert "SELECT" in first.stdout and "psql" in first.stdout
    before = scalar(conn, "SELECT count(*) FROM articles")
    second = newsmon("demo", env=env)
    assert second.returncode == 0, second.stderr
    assert scalar(conn, "SELECT count(*) FROM articles") == before
    assert scalar(conn, "SELECT count(*) FROM feed_polls WHERE not_modified") == 2


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_db_commands_manage_the_embedded_server(tmp_path):
    env = {"NEWSMON_HOME": str(tmp_path / "home")}
    url = newsmon("db", "url", env=env)
    assert url.returncode == 0, url.stderr
    dsn = url.stdout.strip()
    assert dsn.startswith("postgresql://") and "/newsmon?" in dsn
    migrated = newsmon("db", "migrate", env=env)
    assert migrated.returncode == 0 and "applied 001_core" in migrated.stdout
    assert "up to date" in newsmon("db", "migrate", env=env).stdout
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM schema_migrations")
        assert cur.fetchone()[0] >= 1
    c.close()
    assert newsmon("db", "stop", env=env).stdout.strip() == "stopped"
    assert newsmon("db", "stop", env=env).stdout.strip() == "not running"
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(dsn, connect_timeout=3)
    if _find_bin("psql"):  # the README's `psql "$(newsmon db url)"`
        dsn = newsmon("db", "url", env=env).stdout.strip()
        out = subprocess.run(["psql", dsn, "-Atc", "SELECT 41 + 1"], capture_output=True,
                             text=True, check=False)
        assert out.stdout.strip() == "42", out.stderr
        newsmon("db", "stop", env=env)


@pytest.mark.skipif(not (_find_bin("initdb") and _find_bin("pg_ctl")),
                    reason="no PostgreSQL binaries (initdb, pg_ctl) on this machine")
@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_embedded_server_from_binaries_on_path(tmp_path):
    env = {"NEWSMON_HOME": str(tmp_path / "home"), "NEWSMON_EMBEDDED_BACKEND": "binaries"}
    url = newsmon("db", "url", env=env)
    assert url.returncode == 0, url.stderr
    try:
        with psycopg2.connect(url.stdout.strip()) as c, c.cursor() as cur:
            cur.execute("SHOW server_version")
            assert cur.fetchone()[0]
        c.close()
    finally:
        assert newsmon("db", "stop", env=env).stdout.strip() == "stopped"
