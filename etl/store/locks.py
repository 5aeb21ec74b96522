"""Pipeline locks that analysts cannot take: row locks on ``pipeline_locks``.

Advisory locks (``pg_advisory_lock``) are open to every role, so a session of the read-only
``newsmon_reader`` role holding the same key stalled a fetch shard or story clustering for as
long as it lived. Locking a row needs the UPDATE privilege, which the reader does not have, and
the only table lock it may take (ACCESS SHARE) does not conflict with row locks: a pipeline
lock can now be waited on by pipeline tasks only.

- :func:`lock_row`: inside a transaction that writes anyway (story clustering); released at
  commit.
- :func:`held`: for the length of a block, on a connection of its own (a fetch shard commits
  many transactions on its working connection). Its transaction holds a transaction id while
  the block runs, as any writing transaction does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from etl.store import db

STORIES = "stories"


def shard_lock_name(stage: str, shard: int, shards: int) -> str:
    return f"{stage} shard {shard}/{shards}"


def lock_row(cur, name: str) -> None:
    """Take pipeline lock ``name`` in the current transaction (waits for another holder)."""
    cur.execute("INSERT INTO pipeline_locks (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,))
    cur.execute("SELECT name FROM pipeline_locks WHERE name = %s FOR UPDATE", (name,))


@contextmanager
def held(url: str, name: str) -> Iterator[None]:
    """Hold pipeline lock ``name`` while the block runs (waiting for another task first)."""
    conn = db.connect(url)
    try:
        with db.transaction(conn) as cur:  # the row exists before anyone waits on it
            cur.execute(
                "INSERT INTO pipeline_locks (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,)
            )
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM pipeline_locks WHERE name = %s FOR UPDATE", (name,))
        yield
    finally:
        conn.close()  # ends the transaction, and the lock with it
