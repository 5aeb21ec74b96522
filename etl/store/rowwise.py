"""Batched writes that one bad row cannot take down: savepoints around the batch and each row.

A batch is written in one statement (fast); if that fails because of one row's data (see
:func:`etl.store.values.row_error`), the batch is rolled back to its savepoint and written again
row by row, each under its own savepoint, so the good rows are kept and each bad row comes back
with the real reason. Errors that are not about the data (connection lost, disk full) are
raised unchanged: they end the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from etl.store.values import describe, row_error

Row = TypeVar("Row")


@dataclass
class Written(Generic[Row]):
    """What :func:`write_each` did: the writer's return values, and the rows refused (why)."""

    results: list = field(default_factory=list)
    failed: list[tuple[Row, str]] = field(default_factory=list)


def write_each(cur, rows: Sequence[Row], write: Callable[[object, list[Row]], object],
               name: str = "newsmon_rows") -> Written[Row]:
    """Call ``write(cur, rows)``; on a row error, ``write(cur, [row])`` for each row instead.

    Runs inside the caller's transaction (savepoints only), so the caller commits the good rows
    together with whatever else it writes.
    """
    outcome: Written[Row] = Written()
    if not rows:
        return outcome
    cur.execute(f"SAVEPOINT {name}")
    try:
        outcome.results.append(write(cur, list(rows)))
        cur.execute(f"RELEASE SAVEPOINT {name}")
        return outcome
    except Exception as exc:  # noqa: BLE001 - sorted by row_error, re-raised otherwise
        if not row_error(exc):
            raise
        cur.execute(f"ROLLBACK TO SAVEPOINT {name}")
        if len(rows) == 1:
            cur.execute(f"RELEASE SAVEPOINT {name}")
            outcome.failed.append((rows[0], describe(exc)))
            return outcome
    for row in rows:
        cur.execute(f"SAVEPOINT {name}_one")
        try:
            outcome.results.append(write(cur, [row]))
        except Exception as exc:  # noqa: BLE001 - as above
            if not row_error(exc):
                raise
            cur.execute(f"ROLLBACK TO SAVEPOINT {name}_one")
            outcome.failed.append((row, describe(exc)))
        cur.execute(f"RELEASE SAVEPOINT {name}_one")
    cur.execute(f"RELEASE SAVEPOINT {name}")
    return outcome
