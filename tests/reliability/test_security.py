"""Security: the read-only analyst role, credentials kept out of output, parameterised SQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from conftest import ROOT, rows

from etl.run.pipeline import run


def test_reader_role_reads_everything_and_changes_nothing(db_url, settings, site, feeds_file,
                                                          conn):
    run(settings, feeds_file)
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_test")
        cur.execute("CREATE ROLE analyst_test LOGIN IN ROLE newsmon_reader")
    conn.commit()
    reader_url = db_url.replace("postgres:@", "analyst_test:@", 1)
    assert "analyst_test" in reader_url
    reader = psycopg2.connect(reader_url)
    try:
        with reader.cursor() as cur:
            cur.execute("SELECT count(*) FROM articles WHERE status = 'extracted'")
            assert cur.fetchone()[0] == 3
            cur.execute("SELECT count(*) FROM analytics.feed_health")
            assert cur.fetchone()[0] == 2
        reader.rollback()
        for statement in ("UPDATE articles SET title = 'x'", "DELETE FROM feeds",
                          "INSERT INTO feeds (url) VALUES ('http://x.test/')",
                          "CREATE TABLE mine (id int)", "CREATE TABLE analytics.mine (id int)",
                          "DROP VIEW analytics.feed_health"):
            with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            reader.rollback()
    finally:
        reader.close()
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY analyst_test")
            cur.execute("DROP ROLE analyst_test")
        conn.commit()


def test_feed_health_view(settings, site, feeds_file, conn, tmp_path):
    from etl.web.site import Reply

    site.overrides["/feeds/moved.xml"] = Reply(301, b"", {"Location": "/feeds/alpha.xml"})
    listing = feeds_file.read_text() + (
        f'  - url: "{site.base_url}/feeds/moved.xml"\n  - url: "{site.base_url}/feeds/nope.xml"\n')
    path = tmp_path / "health.yaml"
    path.write_text(listing)
    run(settings, path)
    health = {r[0].rsplit("/", 1)[1]: r[1:] for r in rows(
        conn, "SELECT url, health, last_error, redirected_to FROM analytics.feed_health")}
    assert health["nope.xml"][:2] == ("failing", "ClientError: HTTP 404")
    assert health["moved.xml"][0] == "redirected"
    assert health["moved.xml"][2].endswith("/feeds/alpha.xml")
    assert health["alpha.xml"][0] == "ok"


def test_credentials_never_appear_in_logs_or_summaries(db_url, site, feeds_file, tmp_path):
    # the embedded server trusts local connections, so a URL with a password still works
    with_password = db_url.replace("postgres:@", "postgres:hunter2-secret@", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update({"NEWSMON_DATABASE_URL": with_password, "NEWSMON_HOME": str(tmp_path),
                "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1"})
    newsmon = str(Path(sys.executable).parent / "newsmon")
    result = subprocess.run([newsmon, "-vv", "run", "--feeds", str(feeds_file)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "run summary" in result.stderr  # the verbose log really was produced
    assert "hunter2" not in result.stdout + result.stderr


def test_ruff_security_rules_are_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "--select", "S", "etl", "dags"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
