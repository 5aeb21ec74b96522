"""The tag stage's claims follow the same crash rules as the other stages."""

from __future__ import annotations

import psycopg2
from conftest import rows

from etl.run.pipeline import run
from etl.stages.process import tag_pending
from etl.stages.tagstage import get_tagger
from etl.store.queue import TagVersion, claim_tagging


def test_a_dead_taggers_claims_are_free_at_once_and_idle_runs_skip_the_model(
    settings, site, feeds_file, conn, db_url
):
    run(settings, feeds_file)
    rows(conn, "UPDATE articles SET taxonomy_version = 'old' WHERE status = 'extracted' "
               "RETURNING id")
    tagger = get_tagger()
    worker = psycopg2.connect(db_url)
    claimed = claim_tagging(worker, TagVersion(tagger.version, tagger.mode), settings,
                            since=rows(conn, "SELECT now()")[0][0])
    assert len(claimed) == 3
    # while the worker lives, its claims hold
    assert tag_pending(conn, settings, tagger=tagger).tagged == 0
    worker.close()  # the worker dies (its session ends)
    assert tag_pending(conn, settings, tagger=tagger).tagged == 3
    assert rows(conn, "SELECT count(*) FROM articles WHERE claimed_pid IS NOT NULL") == [(0,)]
    # nothing left to tag: the model is not even loaded
    assert tag_pending(conn, settings).mode == "idle"
