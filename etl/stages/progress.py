"""Progress reporting, decoupled from the terminal.

Stages call ``start/advance/finish``; the command line plugs in rich progress bars, Airflow
tasks and tests use the null or logging reporter.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Reporter(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, n: int = 1) -> None: ...
    def finish(self, stage: str) -> None: ...


class NullReporter:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, n: int = 1) -> None:
        pass

    def finish(self, stage: str) -> None:
        pass


class LogReporter:
    """One log line per stage start and end (for schedulers whose logs are the UI)."""

    def __init__(self) -> None:
        self.done: dict[str, int] = {}

    def start(self, stage: str, total: int | None) -> None:
        self.done[stage] = 0
        log.info("%s: starting (%s items)", stage, "?" if total is None else total)

    def advance(self, stage: str, n: int = 1) -> None:
        self.done[stage] = self.done.get(stage, 0) + n

    def finish(self, stage: str) -> None:
        log.info("%s: done (%d items)", stage, self.done.get(stage, 0))
