"""Scale-out: ``newsmon_ingest`` under CeleryExecutor, a local Redis and two Celery workers.

The path the compose file's ``celery`` profile takes to grow past one machine, run here with
every component a separate process: Redis (Debian's ``redis-server``), Airflow's API server,
scheduler and DAG processor (metadata in PostgreSQL, as Celery needs), and two ``airflow
celery worker`` processes named ``w1`` and ``w2`` (each one task at a time). The one run's
shards must run on both workers, every task once, and the warehouse must hold each article once.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from tests.conftest import _admin, _with_db
from tests.dags.test_airflow_smoke import free_port, group_alive

pytestmark = pytest.mark.slow
REDIS = shutil.which("redis-server")
HOSTNAME_MODULE = '''import os


def name() -> str:
    """The worker's name (both workers run on one machine, so the host name cannot tell)."""
    return os.environ.get("NEWSMON_TEST_WORKER", "scheduler")
'''


def sqlalchemy_url(libpq_url: str) -> str:
    return libpq_url.replace("postgresql://", "postgresql+psycopg2://", 1)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def metadata(url: str, sql: str, params=None) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


@pytest.mark.timeout(600)
@pytest.mark.skipif(REDIS is None, reason="redis-server not installed: `make system-deps` "
                                          "(Debian's redis-server) to run the Celery test")
def test_ingest_under_celery_runs_on_two_workers(newsmon_env, site, db_url, pg_admin_url,
                                                 query, tmp_path):
    pytest.importorskip("airflow.providers.celery", reason="apache-airflow-providers-celery")
    name = f"airflow_celery_{os.getpid()}"
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name}")
    _admin(pg_admin_url, f"CREATE DATABASE {name}")
    meta_url = _with_db(pg_admin_url, name)
    redis_port, api_port = free_port(), free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    home = tmp_path / "airflow"
    home.mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "newsmon_test_host.py").write_text(HOSTNAME_MODULE)
    base = f"http://localhost:{api_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[2] / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(meta_url),
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"redis://127.0.0.1:{redis_port}/1",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "newsmon_test_host.name",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        # one run, created by the scheduler when the DAG is unpaused
        "NEWSMON_INGEST_SCHEDULE": "@once",
        "PYTHONPATH": os.pathsep.join(p for p in (str(tmp_path / "lib"),
                                                  env.get("PYTHONPATH", "")) if p),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    })
    airflow = str(Path(sys.executable).parent / "airflow")
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []
    try:
        procs.append(start([REDIS, "--port", str(redis_port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no"], env, logs / "redis.log"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        for component in (["api-server"], ["scheduler", "--skip-serve-logs"],
                          ["dag-processor"]):
            procs.append(start([airflow, *component], env, logs / f"{component[0]}.log"))
        for worker in ("w1", "w2"):
            procs.append(start(
                [airflow, "celery", "worker", "--celery-hostname", f"{worker}@%h",
                 "--concurrency", "1", "--skip-serve-logs"],
                dict(env, NEWSMON_TEST_WORKER=worker), logs / f"{worker}.log"))

        def parsed() -> bool:
            return bool(metadata(meta_url, "SELECT 1 FROM dag WHERE dag_id = 'newsmon_ingest'"))

        deadline = time.monotonic() + 180
        while not parsed():
            assert time.monotonic() < deadline, "the DAG was never parsed"
            assert all(p.poll() is None for p in procs), "a component exited"
            time.sleep(2)
        subprocess.run([airflow, "dags", "unpause", "newsmon_ingest"], env=env, check=True,
                       capture_output=True)
        deadline = time.monotonic() + 360
        while True:
            states = metadata(meta_url, "SELECT run_id, state FROM dag_run "
                                        "WHERE dag_id = 'newsmon_ingest'")
            if states and states[0][1] in ("success", "failed"):
                break
            assert time.monotonic() < deadline, f"the run did not finish: {states}"
            time.sleep(3)
        tis = metadata(meta_url, "SELECT task_id, map_index, state, try_number, hostname "
                                 "FROM task_instance WHERE dag_id = 'newsmon_ingest' "
                                 "ORDER BY task_id, map_index")
    finally:
        stop(procs[::-1])
        _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for line in tis:
        print(line)
    assert len(states) == 1 and states[0][1] == "success", states
    ran = [t for t in tis if t[2] != "removed"]
    # every task instance succeeded on its first try: nothing retried, nothing run twice
    assert all(t[2] in ("success", "skipped") for t in ran), ran
    assert all(t[3] == 1 for t in ran if t[2] == "success"), ran
    workers = {t[4] for t in ran if t[2] == "success"}
    assert workers == {"w1", "w2"}, workers  # the work was shared by both workers
    shards = [t for t in ran if t[0] in ("fetch_shard", "process_shard")]
    assert sorted((t[0], t[1]) for t in shards) == [
        ("fetch_shard", 0), ("fetch_shard", 1), ("process_shard", 0), ("process_shard", 1)]
    assert {t[4] for t in shards} == {"w1", "w2"}, shards  # the shards ran on both workers
    # nothing lost, nothing twice: each article once, extracted and tagged once
    assert query("SELECT status, count(*) FROM articles GROUP BY status ORDER BY status") == [
        ("extracted", 3), ("failed", 1), ("skipped", 1)]
    assert query("SELECT count(*), count(DISTINCT url) FROM articles") == [(5, 5)]
    assert query("SELECT count(*) FROM articles WHERE taxonomy_version IS NOT NULL") == [(3,)]
    assert query("SELECT count(*), count(DISTINCT (feed_id, article_id)) "
                 "FROM feed_articles") == [(6, 6)]
    assert query("SELECT count(*) FROM feed_polls") == [(2,)]
