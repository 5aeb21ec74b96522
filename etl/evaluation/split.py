"""The held-out-by-source split of the shared ACLED pool, one rule for every user of it.

Rules and derived data (the event model, the place supplement, the actor-name table) are built
from the training sources only; the figures ``newsmon eval`` prints are on the held-out ones. The
rule itself lives beside the pool's one reader, :mod:`etl.build.acled_pool`.
"""

from __future__ import annotations

from etl.build.acled_pool import is_held_out


def held_out(source_repo: str) -> bool:
    """Sources the rules were never trained or tuned on (``acled_pool.HELD_OUT_SOURCES``)."""
    return is_held_out(source_repo)
