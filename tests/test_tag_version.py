"""The tag version follows what decides the tags (issue 19): rule and data files, model weights,
the tagging code; `newsmon retag` re-tags exactly the stale rows."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner
from conftest import rows

from etl.run.cli import main
from etl.run.pipeline import run
from etl.tagging.version import DATA_DIR, TAGGING_DIR, code_digest, tag_version


def test_a_changed_rule_file_changes_the_version(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    before = tag_version(data_dir=data)
    assert before == tag_version()  # a faithful copy: the same version
    taxonomy = data / "taxonomy.yaml"
    rules = taxonomy.read_text()
    assert "roadside bomb," in rules
    taxonomy.write_text(rules.replace("roadside bomb,", "roadside bomb, roadside blast,", 1))
    changed = tag_version(data_dir=data)
    assert changed != before and changed.startswith("t1-")
    # an actor alias, the model's weights: each its own version
    actors = data / "actors.yaml"
    actors.write_text(actors.read_text() + "\n# a comment is a change too\n")
    assert tag_version(data_dir=data) not in (before, changed)
    (data / "event_model.npz").unlink()
    assert tag_version(data_dir=data) not in (before, changed)


def test_files_that_never_reach_the_tagger_leave_the_version(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    before = tag_version(data_dir=data)
    feeds = data / "default_feeds.yaml"
    feeds.write_text(feeds.read_text() + "\n# another feed list\n")
    (data / "event_model.md").write_text("documentation only")
    assert tag_version(data_dir=data) == before


def test_the_taxonomy_the_tagger_loads_is_the_one_hashed(tmp_path):
    own = tmp_path / "taxonomy.yaml"
    own.write_text((DATA_DIR / "taxonomy.yaml").read_text() + "\n# local rules\n")
    assert tag_version(own) != tag_version()
    assert tag_version(DATA_DIR / "taxonomy.yaml") == tag_version()


def test_a_changed_tagging_module_changes_the_version(tmp_path):
    code = tmp_path / "etl" / "tagging"
    shutil.copytree(TAGGING_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(TAGGING_DIR.parent / "build", tmp_path / "etl" / "build",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = code_digest(code)
    assert before == code_digest(TAGGING_DIR)
    assert tag_version(tagging_dir=code) == tag_version()
    spans = code / "core" / "spans.py"
    spans.write_text(spans.read_text().replace("\n", "\n\n", 1))
    assert code_digest(code) != before
    assert tag_version(tagging_dir=code) != tag_version()
    # the gazetteer builder decides the places: it counts as tagging code
    spans.write_text(spans.read_text().replace("\n\n", "\n", 1))
    assert code_digest(code) == before
    builder = tmp_path / "etl" / "build" / "gazetteer.py"
    builder.write_text(builder.read_text() + "\n")
    assert code_digest(code) != before


def test_retag_re_tags_exactly_the_stale_rows(settings, feeds_file, conn, monkeypatch):
    run(settings, feeds_file)
    tagged = rows(conn, "SELECT id, taxonomy_version, tagged_at FROM articles "
                        "WHERE status = 'extracted' ORDER BY id")
    assert len(tagged) >= 3 and {v for _, v, _ in tagged} == {tag_version()}
    stale = [tagged[0][0], tagged[2][0]]
    rows(conn, "UPDATE articles SET taxonomy_version = 't1-0000000000000000' "
               "WHERE id = ANY(%s) RETURNING id", (stale,))
    monkeypatch.setenv("NEWSMON_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NEWSMON_HOME", str(settings.home))
    monkeypatch.setenv("NEWSMON_EXTRACT_PROCESSES", "1")
    result = CliRunner().invoke(main, ["retag", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["articles_tagged"] == len(stale)
    after = rows(conn, "SELECT id, taxonomy_version, tagged_at FROM articles "
                       "WHERE status = 'extracted' ORDER BY id")
    assert {v for _, v, _ in after} == {tag_version()}
    retagged = [i for (i, _, t0), (_, _, t1) in zip(tagged, after, strict=True) if t1 != t0]
    assert retagged == stale
    again = CliRunner().invoke(main, ["retag", "--json"])
    assert json.loads(again.output.strip().splitlines()[-1])["articles_tagged"] == 0
