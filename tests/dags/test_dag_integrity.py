"""DAG integrity: every file in dags/ imports cleanly and quickly, and follows the team's policy."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS.glob("*.py"))
DAG_IDS = {"newsmon_ingest", "newsmon_maintenance"}
# What a DAG file may import at module level: Airflow's SDK and the standard library. Anything
# else (etl, psycopg2, trafilatura, ...) is imported inside the tasks, where it is needed.
# newsmon_config (beside them) parses their NEWSMON_* variables once, with the standard library.
ALLOWED_IMPORTS = {"__future__", "airflow.sdk", "datetime", "os", "pathlib", "pendulum", "sys",
                   "newsmon_config"}


def test_there_are_dag_files():
    assert {p.stem for p in DAG_FILES} >= DAG_IDS


def test_every_file_imports_without_errors_and_quickly(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS
    for stat in dagbag.dagbag_stats:
        duration = stat.duration.total_seconds() if isinstance(stat.duration, timedelta) \
            else stat.duration
        assert duration < 2, f"{stat.file} took {duration:.2f}s to parse"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_top_level_io_or_heavy_imports(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]
            assert set(names) <= ALLOWED_IMPORTS, f"{path.name}: top-level import of {names}"
    # Importing the file in a fresh interpreter loads none of newsmon's modules and opens no
    # socket: the DAG processor re-imports it every 30 seconds.
    probe = f"""
import json, runpy, socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network I/O at import")
socket.socket.connect = refuse
socket.create_connection = refuse
runpy.run_path({str(path)!r})
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] in ("etl", "psycopg2", "trafilatura", "feedparser"))))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_policy(dagbag, dag_id):
    dag = dagbag.get_dag(dag_id)
    assert dag.doc_md and "SELECT" in dag.doc_md  # what it does and which SQL to look at
    assert "newsmon" in dag.tags and len(dag.tags) >= 2
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.schedule is not None
    for t in dag.tasks:
        assert t.owner == "newsmon", t.task_id
        assert t.retries >= 2, t.task_id
        assert t.retry_exponential_backoff, t.task_id
        assert t.execution_timeout is not None, t.task_id


def test_ingest_maps_over_batches_and_shards_never_articles(dagbag):
    dag = dagbag.get_dag("newsmon_ingest")
    mapped = {t.task_id for t in dag.tasks if t.is_mapped}
    assert mapped == {"poll_feed_batch", "fetch_shard", "process_shard"}
    order = [t.task_id for t in dag.topological_sort()]
    assert order.index("sync_feed_list") < order.index("poll_feed_batch") \
        < order.index("fetch_shard") < order.index("process_shard") \
        < order.index("cluster_stories") < order.index("report")
    assert dag.get_task("fetch_shard").trigger_rule == "none_failed"  # runs when no feed is due
    assert "feeds_file" in dag.params and "all_feeds" in dag.params
