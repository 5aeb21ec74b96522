"""Run I/O-bound work on a thread pool with a cap on requests in flight per host.

Hosts are served round-robin and a host at its cap is skipped rather than waited on, so one slow
outlet with many articles never starves the others and no worker thread sits blocked.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_per_host(
    items: Iterable[T],
    host_of: Callable[[T], str],
    fn: Callable[[T], R],
    *,
    workers: int,
    per_host: int,
    refill: Callable[[set[str]], Iterable[T]] | None = None,
) -> Iterator[tuple[T, R | BaseException]]:
    """Yield ``(item, result)`` as each call finishes; an exception is yielded, not raised.

    ``refill(busy_hosts)``, if given, is asked for more items whenever a worker would
    otherwise idle (every item left belongs to a host at its cap): items of other hosts than
    ``busy_hosts``. So a slow host holds none of the others' work, not even the next batch
    (issue 20). It is asked again only after it gave items or a host stopped being busy.
    """
    queues: dict[str, deque[T]] = {}
    active: Counter[str] = Counter()
    pending: dict[Future, tuple[T, str]] = {}
    workers = max(1, workers)
    per_host = max(1, per_host)

    def add(new: Iterable[T]) -> int:
        count = 0
        for item in new:
            queues.setdefault(host_of(item), deque()).append(item)
            count += 1
        return count

    add(items)
    may_refill = refill is not None

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsmon-io") as pool:

        def fill() -> None:
            progressed = True
            while progressed and len(pending) < workers:
                progressed = False
                for host in list(queues):
                    if len(pending) >= workers:
                        return
                    if active[host] >= per_host:
                        continue
                    item = queues[host].popleft()
                    if not queues[host]:
                        del queues[host]
                    active[host] += 1
                    pending[pool.submit(fn, item)] = (item, host)
                    progressed = True

        def top_up() -> None:
            nonlocal may_refill
            while may_refill and len(pending) < workers:
                busy = set(queues) | {host for host, n in active.items() if n}
                if not add(refill(busy)):
                    may_refill = False
                fill()

        fill()
        top_up()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                item, host = pending.pop(future)
                active[host] -= 1
                if not active[host] and host not in queues:
                    del active[host]
                    may_refill = refill is not None  # its items may be claimed now
                exc = future.exception()
                yield item, (exc if exc is not None else future.result())
            fill()
            top_up()
