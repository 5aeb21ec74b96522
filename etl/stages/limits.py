"""Per-page bounds on extraction: structural pre-checks (memory, parse time) and a time limit.

trafilatura's cost grows faster than the page: a page of a million tiny elements took 66 s and
1 GB, and 100,000 ``<div>`` elements take 40 s. The bytes are already capped
(``NEWSMON_MAX_PAGE_BYTES``), so three bounds remain, each recorded as the page's failure with
their reason (a :class:`PageLimitError`, which is a :class:`ParseError`):

- **Elements** (memory): the parsed tree costs about 1 KB per element, so a page with more start
  tags than ``NEWSMON_EXTRACT_MAX_ELEMENTS`` (default 50,000; real news pages have a few
  thousand) is refused before parsing, in one pass over the bytes.
- **Attributes** (time in C): libxml2's HTML parser compares each attribute of a tag with every
  earlier one, so 100 tags of 8,000 attributes (6 MB) take 32 s inside one call that nothing
  can interrupt. The pre-check sums, over long tags, the square of their attribute count and
  refuses a page above :data:`MAX_ATTRIBUTE_WORK` (the real pages of the extraction corpus
  reach 0.4 million; the bound is 50 times that, about 0.1 s of parsing).
- **Time**: extraction running longer than ``NEWSMON_EXTRACT_TIMEOUT`` seconds (default 10) is
  interrupted. A watchdog thread raises an exception in the extracting thread (not SIGALRM:
  that works only in the main thread and is Airflow's own task timeout). It is delivered
  between two Python bytecodes: trafilatura's slow parts are Python loops, where it lands within
  moments, but one long C call (the HTML parse) runs to its end first, which is what the two
  pre-checks bound. It derives from ``BaseException`` so that trafilatura's broad ``except
  Exception`` fallbacks cannot swallow it.
"""

from __future__ import annotations

import ctypes
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from etl.errors import ParseError
from etl.settings import Settings

T = TypeVar("T")


_SETTING_DEFAULTS = {f.name: f.default for f in fields(Settings)}


@dataclass(frozen=True)
class PageLimits:
    """Bounds on one item, extracting its page and tagging its text (``0`` turns a bound
    off); the defaults are the settings' (``NEWSMON_EXTRACT_MAX_ELEMENTS``,
    ``NEWSMON_EXTRACT_TIMEOUT``, ``NEWSMON_TAG_TIMEOUT``), written once there. The run's
    values reach the worker processes in this object: workers never read the environment."""

    max_elements: int = _SETTING_DEFAULTS["extract_max_elements"]
    timeout_s: float = _SETTING_DEFAULTS["extract_timeout_s"]
    max_attribute_work: int = 20_000_000  # see MAX_ATTRIBUTE_WORK
    tag_timeout_s: float = _SETTING_DEFAULTS["tag_timeout_s"]

    @classmethod
    def from_settings(cls, settings: Settings) -> PageLimits:
        return cls(max_elements=settings.extract_max_elements,
                   timeout_s=settings.extract_timeout_s,
                   tag_timeout_s=settings.tag_timeout_s)


MAX_ATTRIBUTE_WORK = PageLimits.max_attribute_work
# a start tag long enough to hold many attributes (shorter ones cost little even when many);
# [^<>] keeps the scan linear: each match stops at the next tag
_LONG_TAG = re.compile(rb"<[A-Za-z][^<>]{256,}")
_LONG_TAG_STR = re.compile(r"<[A-Za-z][^<>]{256,}")


class PageLimitError(ParseError):
    """A page exceeded an extraction bound; the message says which and how to raise it."""


class _TimeUp(BaseException):  # noqa: N818 - internal signal, never escapes this module
    """Raised inside the extracting thread by the watchdog."""


def count_elements(content: bytes | str) -> int:
    """An upper bound on the start tags, comments and declarations in ``content``.

    (every "<" that does not open an end tag: text holding "<" only makes it larger)
    """
    if isinstance(content, str):
        return content.count("<") - content.count("</")
    return content.count(b"<") - content.count(b"</")


def check_elements(content: bytes | str, limits: PageLimits) -> None:
    if limits.max_elements <= 0:
        return
    elements = count_elements(content)
    if elements > limits.max_elements:
        raise PageLimitError(
            f"page too complex to extract: about {elements:,} elements (limit "
            f"{limits.max_elements:,}, NEWSMON_EXTRACT_MAX_ELEMENTS)"
        )


def attribute_work(content: bytes | str) -> tuple[int, int]:
    """(sum over long start tags of their attribute count squared, the largest count).

    Attributes are counted as "=" signs: an upper bound, as values may hold "=" too.
    """
    if isinstance(content, str):
        counts = [m.group().count("=") for m in _LONG_TAG_STR.finditer(content)]
    else:
        counts = [m.group().count(b"=") for m in _LONG_TAG.finditer(content)]
    return sum(n * n for n in counts), max(counts, default=0)


def check_attributes(content: bytes | str, limits: PageLimits) -> None:
    if limits.max_attribute_work <= 0:
        return
    work, largest = attribute_work(content)
    if work > limits.max_attribute_work:
        raise PageLimitError(
            f"page too complex to extract: tags with up to {largest:,} attributes "
            f"({work:,} attribute comparisons, limit {limits.max_attribute_work:,})"
        )


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


class _Watchdog:
    """Raises :class:`_TimeUp` in the thread that entered it once ``seconds`` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.target = threading.get_ident()
        self.lock = threading.Lock()
        self.done = False
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True
        self.timer.name = "newsmon-extract-watchdog"

    def _fire(self) -> None:
        with self.lock:
            if not self.done:
                self.fired = True
                _raise_in(self.target, _TimeUp)

    def __enter__(self) -> _Watchdog:
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.done = True   # from here on the watchdog cannot fire
        self.timer.cancel()
        if self.fired:
            _raise_in(self.target, None)  # fired but not yet delivered: it must not escape
            raise _TimeUp


def run_bounded(content: bytes | str, extract: Callable[[], T],
                limits: PageLimits | None = None) -> T:
    """``extract()`` (an extraction of ``content``) within the element and time bounds.

    Refuses the page at once when it has too many elements, else interrupts ``extract`` when
    it runs too long; both as :class:`PageLimitError`.
    """
    limits = limits or PageLimits()
    check_elements(content, limits)
    check_attributes(content, limits)
    try:
        return call_within(limits.timeout_s, extract)
    except TimeLimitExceeded:
        raise PageLimitError(
            f"extraction took longer than {limits.timeout_s:g} s (NEWSMON_EXTRACT_TIMEOUT)"
        ) from None


class TimeLimitExceeded(Exception):  # noqa: N818 - reads as what happened
    """:func:`call_within`'s function ran longer than its time limit and was interrupted."""


def call_within(seconds: float, fn: Callable[[], T], *, cpu: bool = False) -> T:
    """``fn()``, interrupted with :class:`TimeLimitExceeded` after ``seconds`` (0: no limit).

    The watchdog of extraction, for any Python work (tagging uses it too); see the module
    docstring for what it can and cannot interrupt (one long C call runs to its end). With
    ``cpu``, ``seconds`` is CPU time of the calling thread (wall time at most
    :data:`CPU_WALL_FACTOR` times it): a busy machine then does not fail work that is cheap.
    """
    if seconds <= 0:
        return fn()
    try:
        # _TimeUp can arrive anywhere in the body or in the watchdog's __exit__ before the
        # watchdog is disarmed (never after): this handler is outside both
        with _CpuWatchdog(seconds) if cpu else _Watchdog(seconds):
            return fn()
    except _TimeUp:
        raise TimeLimitExceeded(f"took longer than {seconds:g} s") from None


CPU_WALL_FACTOR = 4  # a CPU-time bound also ends after this many times its seconds of wall time
CPU_POLL_S = 0.05


class _CpuWatchdog(_Watchdog):
    """A :class:`_Watchdog` on the CPU time of the thread that entered it (Linux, via its
    pthread CPU clock), checked every :data:`CPU_POLL_S`; wall time bounds it too."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.clock = time.pthread_getcpuclockid(self.target)
        self.stop = threading.Event()
        self.timer = threading.Thread(target=self._watch, daemon=True,
                                      name="newsmon-cpu-watchdog")

    def _watch(self) -> None:
        cpu_end = time.clock_gettime(self.clock) + self.seconds
        wall_end = time.monotonic() + self.seconds * CPU_WALL_FACTOR
        while not self.stop.wait(min(CPU_POLL_S, self.seconds / 4)):
            if time.clock_gettime(self.clock) >= cpu_end or time.monotonic() >= wall_end:
                self._fire()
                return

    def __exit__(self, *exc) -> None:
        self.stop.set()
        with self.lock:
            self.done = True
        if self.fired:
            _raise_in(self.target, None)
            raise _TimeUp
