"""``python -m etl.build.cache DIR``: build the place gazetteer's cache in ``DIR``, then exit.

:func:`etl.tagging.geo.gazetteer.load_cached` runs this as a short-lived child process (the
same interpreter, ``sys.executable``) so that the build's peak memory never stays in a
long-lived tagging process. It is a fresh interpreter that imports this module only: unlike a
``multiprocessing`` ``spawn`` child, it never re-imports the parent's main module (inside an
Airflow task that is the ``airflow`` command, which cannot start there).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path


def builder(spec: str | None):
    """The build function named ``module:function`` (``None``: the gazetteer's own)."""
    if not spec:
        return None
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    from etl.tagging.geo.features import MIN_POPULATION
    from etl.tagging.geo.gazetteer import write_cache

    parser = argparse.ArgumentParser(prog="python -m etl.build.cache", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--min-population", type=int, default=MIN_POPULATION)
    parser.add_argument("--builder", help="module:function building (columns, index)")
    args = parser.parse_args(argv)
    write_cache(args.directory, args.min_population, builder(args.builder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
