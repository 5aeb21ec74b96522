"""Clean errors: a crashed database, a killed worker pool or bad tagger input end in one clear
line (or one error result per bad line), never a traceback, and lose nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from bench import campaign
from etl.errors import DatabaseError
from etl.run.pipeline import database_failure
from etl.store import values
from etl.store.db import connect
from etl.store.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parents[2]


def assert_ok(result: campaign.ScenarioResult) -> None:
    print(result)
    assert result.survived == result.runs, result.notes
    assert result.expected > 0 and result.loaded == result.expected, result.notes
    assert (result.lost, result.duplicated) == (0, 0), result.notes


def test_database_errors_are_named_by_what_happened(db_url):
    conn = connect(db_url)
    other = connect(db_url)
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.Error) as refused:
            cur.execute("SELECT 1 / 0")
        conn.rollback()
        assert database_failure(conn, refused.value) == (
            "the database refused a statement during the run: DivisionByZero: division by zero")
        assert values.row_error(refused.value)  # a row's fault: isolated, not the run's end
        # out of resources (class 53, as a full disk): the run ends, named as such
        with conn.cursor() as cur, pytest.raises(psycopg2.Error) as full:
            cur.execute("SET temp_file_limit = '64kB'; SET work_mem = '64kB'; "
                        "SELECT count(*) FROM (SELECT md5(i::text) FROM "
                        "generate_series(1, 200000) i ORDER BY 1) s")
        conn.rollback()
        assert full.value.pgcode.startswith("53") and not values.row_error(full.value)
        assert database_failure(conn, full.value).startswith(
            "the database ran out of resources (disk full?) during the run: ")
        with other.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
        conn.commit()
        with other.cursor() as cur, pytest.raises(psycopg2.Error) as lost:
            cur.execute("SELECT 1")
        message = database_failure(other, lost.value)
        assert message.startswith("database connection lost during the run: ")
        assert "\n" not in message
    finally:
        conn.close()
        other.close()


def _immediate_stop(server: EmbeddedPostgres) -> subprocess.CompletedProcess:
    """``pg_ctl -m immediate stop``: the server dies without a shutdown, as in a crash."""
    return subprocess.run(server._as_owner([server._pg_ctl(), "-D", str(server.pgdata),  # noqa: S603
                                            "-m", "immediate", "-w", "stop"]),
                          capture_output=True, check=False)


@pytest.mark.campaign
def test_postgresql_crash_mid_run_gives_a_clean_error_and_loses_nothing(tmp_path):
    # the server's own directory is outside pytest's, which a concurrent pytest session may
    # make unreadable to the server's user (pytest resets it to 0700), failing pg_ctl
    home = Path(tempfile.mkdtemp(prefix="newsmon-crash-test-"))
    server = EmbeddedPostgres(home / "pg")
    url = server.url()

    def crash() -> None:
        assert _immediate_stop(server).returncode == 0
        server.url()

    try:
        result = campaign.scenario_db_restart(url, tmp_path, crash, n=120,
                                              name="PostgreSQL crashed mid-run")
    finally:
        try:
            server.stop()
        except DatabaseError as exc:  # cleanup only (a slow shutdown checkpoint on a busy box)
            print(f"fast stop failed ({exc}); stopping immediately")
            _immediate_stop(server)
        shutil.rmtree(home, ignore_errors=True)
    assert_ok(result)
    # the crashed run ended with the one-line error (clean_exit: exit 1, no traceback)
    interrupted = next(n for n in result.notes if n.startswith("interrupted run: "))
    assert "database connection lost during the run" in interrupted, result.notes


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.campaign
def test_a_killed_worker_fork_server_gives_a_clean_error_and_loses_nothing(db_url, tmp_path):
    site, paths = campaign.news_site(80, 2, delay=0.02)
    with site:
        feeds = campaign.feed_list(site, ["/feed/0.xml", "/feed/1.xml"], tmp_path)
        env = campaign.newsmon_env(db_url, tmp_path, NEWSMON_EXTRACT_PROCESSES="2",
                                   NEWSMON_BATCH_SIZE="10", NEWSMON_PER_HOST="2")
        proc = campaign.start_run(feeds, env)
        reached = campaign._wait_for(db_url, campaign.KILL_POINTS["extracting"], proc, 180)
        servers = [pid for pid in _children(proc.pid)
                   if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert reached and servers, "the run ended before extraction could be interrupted"
        os.kill(servers[0], signal.SIGKILL)
        code, _, err = campaign.finish(proc)
        assert code == 1 and "Traceback" not in err, err[-2000:]
        assert "worker processes died" in err
        code, _, err = campaign.finish(campaign.start_run(feeds, env))
        assert code == 0, err[-2000:]
        loaded, lost, _ = campaign.audit(db_url, site, paths)
    assert (loaded, lost, campaign.audit_rows_only(db_url)) == (80, 0, 0)


def _tag(args: list[str], data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "etl.run.cli", "tag", *args], input=data, capture_output=True,
        timeout=300, check=False, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_tag_gives_each_bad_line_its_own_error_and_prints_the_rest():
    lines = [
        b'{"id": 1, "text": "Militants shelled Mosul on Monday."}',
        b"\xff\xfe\x00\x01 not text",
        b'{"id": 3, "text": "lone \\ud800 half"}',
        b"{not json",
        b"",
        b'{"id": 5, "text": "A roadside bomb killed two soldiers near Kabul."}',
    ]
    proc = _tag(["--jsonl"], b"\n".join(lines) + b"\n")
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert b"Traceback" not in proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o.get("id") for o in out] == [1, None, 3, None, 5]
    assert "relevance" in out[0] and "relevance" in out[4]
    assert "not UTF-8" in out[1]["error"] and "line 2" in out[1]["error"]
    assert "lone surrogate U+D800" in out[2]["error"]
    assert "not JSON" in out[3]["error"] and "line 4" in out[3]["error"]
    # plain mode: binary input is decoded leniently and tagged, not a crash
    plain = _tag([], b"\xff\xfe\x00 Militants shelled Mosul \xc3")
    assert plain.returncode == 0 and "relevance" in json.loads(plain.stdout), plain.stderr
