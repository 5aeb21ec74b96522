"""Airflow for the DAG tests: its own AIRFLOW_HOME and SQLite metadata database per session.

Airflow reads its configuration when it is first imported, so the environment is set here, at
import time, before any test module of this directory imports ``airflow``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
_HOME = Path(tempfile.mkdtemp(prefix="newsmon-airflow-test-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated Airflow metadata database (SQLite) for ``dag.test()``."""
    from airflow.utils import db as airflow_db

    airflow_db.initdb()
    yield _HOME
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture
def dagbag(airflow_db):
    """The DAGs, parsed afresh per test: ``dag.test(run_conf=...)`` changes a DAG's params."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture
def query(db_url):
    """``query(sql, params)`` -> rows, on the test's warehouse database."""
    import psycopg2

    def run(sql: str, params=None) -> list[tuple]:
        conn = psycopg2.connect(db_url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    return run


@pytest.fixture
def newsmon_env(monkeypatch, db_url, feeds_file, tmp_path):
    """The NEWSMON_* environment a task sees: the test's database, feeds and local server."""
    monkeypatch.delenv("AIRFLOW_CONN_NEWSMON_DB", raising=False)
    for name, value in {
        "NEWSMON_DATABASE_URL": db_url,
        "NEWSMON_FEEDS_FILE": str(feeds_file),
        "NEWSMON_HOME": str(tmp_path / "home"),
        "NEWSMON_FEEDS_DIR": str(tmp_path),  # feeds_file parameters name lists written there
        "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1",
        "NEWSMON_RETRY_BASE": "0",
        "NEWSMON_CONNECT_TIMEOUT": "2",
        "NEWSMON_READ_TIMEOUT": "3",
        "NEWSMON_TOTAL_TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(name, value)
    return feeds_file
