"""One settings module: every NEWSMON_* variable is read in etl/settings.py, each default once."""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path

import pytest
from conftest import ROOT

from etl import settings as settings_module
from etl.settings import Settings, corpus_dir, default_processes

# Modules of other owners that still read their variable themselves; the settings module has
# the function to call instead (spacy_model, cache_dir, corpus_dir). No other may be added.
PENDING: set[str] = set()  # every reader moved into etl/settings.py


@pytest.fixture
def clean_env(monkeypatch):
    for name in [n for n in os.environ if n.startswith("NEWSMON_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_are_written_once(clean_env):
    assert Settings.from_env() == Settings()
    assert Settings().extract_processes is None  # automatic
    assert Settings().processes == default_processes()
    assert Settings().task_processes == 1  # Airflow: its mapped tasks are the parallelism
    assert Settings(extract_processes=3).task_processes == 3


def test_every_field_is_read_from_its_variable(clean_env, tmp_path):
    clean_env.setenv("NEWSMON_HOME", str(tmp_path))
    clean_env.setenv("NEWSMON_LEASE", "42")
    clean_env.setenv("NEWSMON_READ_TIMEOUT", "2.5")
    clean_env.setenv("NEWSMON_ALLOW_PRIVATE_NETWORKS", "yes")
    clean_env.setenv("NEWSMON_EXTRACT_PROCESSES", " 3 ")
    clean_env.setenv("NEWSMON_USER_AGENT", "")  # empty: the default
    s = Settings.from_env(batch_size=7)
    assert (s.home, s.lease_s, s.read_timeout, s.allow_private_networks, s.extract_processes,
            s.batch_size) == (tmp_path, 42, 2.5, True, 3, 7)
    assert s.user_agent == Settings().user_agent
    assert all(f.metadata["env"].startswith("NEWSMON_") for f in fields(Settings))
    clean_env.setenv("NEWSMON_LEASE", "ten")
    with pytest.raises(ValueError, match="NEWSMON_LEASE must be an integer"):
        Settings.from_env()


def test_no_module_reads_a_newsmon_variable_but_the_settings(clean_env):
    readers = set()
    for path in (ROOT / "etl").rglob("*.py"):
        text = path.read_text()
        if re.search(r"(environ\.get|getenv|environ\[)\(?\s*[\"']NEWSMON_", text):
            readers.add(path.relative_to(ROOT).as_posix())
    assert readers - PENDING <= {"etl/settings.py"}


def test_the_dags_read_their_variables_in_one_module():
    readers = {path.name for path in (ROOT / "dags").glob("*.py")
               if re.search(r"environ|getenv", path.read_text())}
    assert readers == {"newsmon_config.py"}
    assert "newsmon_config" in (ROOT / "dags" / ".airflowignore").read_text()


def test_no_machine_paths_in_the_settings(clean_env):
    assert corpus_dir() == ROOT.parent / "shared" / "corpus"
    clean_env.setenv("NEWSMON_CORPUS_DIR", "~/corpus")
    assert corpus_dir() == Path("~/corpus").expanduser()
    assert "/work/" not in Path(settings_module.__file__).read_text()
