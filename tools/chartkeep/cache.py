"""Parse results cached by content, so a practice of thousands of notes re-checks in a blink.

The cache lives in `.git/chartkeep/` only: it holds parsed note text, and plaintext must never sit
outside `.git` (a practice that is not a git repository is simply not cached). An entry is reused
when the file's size and mtime match, or else when its SHA-256 matches; the whole cache is dropped
when chartkeep's version, the schema or the practice's note types change.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path

from chartkeep import __version__
from chartkeep.layout import atomic_write

CACHE_FORMAT = 1
PARALLEL_FROM = 1500


def _cache_file(root: Path) -> Path | None:
    git = root / ".git"
    return git / "chartkeep" / "parsed.pickle" if git.is_dir() else None


def _key(custom_types: frozenset[str]) -> str:
    from chartkeep import schema

    source = Path(schema.__file__).read_bytes() + repr(sorted(custom_types)).encode()
    return f"{__version__}:{CACHE_FORMAT}:{hashlib.sha256(source).hexdigest()[:16]}"


def parse_cached(
    root: Path, paths: Sequence[str], custom_types: frozenset[str], *, jobs: int | None = None
) -> list:  # list[Parsed]
    cache_file = _cache_file(root)
    key = _key(custom_types)
    entries: dict[str, tuple[int, int, str, object]] = {}
    if cache_file is not None and cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                stored_key, stored = pickle.load(handle)
            if stored_key == key:
                entries = stored
        except Exception:  # a damaged cache is only a slower run
            entries = {}
    results: dict[str, object] = {}
    todo: list[str] = []
    stats: dict[str, tuple[int, int]] = {}
    for path in paths:
        try:
            info = os.stat(root / path)
        except OSError:
            todo.append(path)
            continue
        stats[path] = (info.st_mtime_ns, info.st_size)
        entry = entries.get(path)
        if entry is not None and (entry[0], entry[1]) == stats[path]:
            results[path] = entry[3]
        else:
            todo.append(path)
    changed = False
    fresh: dict[str, tuple[int, int, str, object]] = {}
    to_parse: list[str] = []
    datas: dict[str, bytes] = {}
    for path in todo:
        try:
            data = (root / path).read_bytes()
        except OSError:
            to_parse.append(path)
            continue
        digest = hashlib.sha256(data).hexdigest()
        entry = entries.get(path)
        if entry is not None and entry[2] == digest:
            results[path] = entry[3]
            fresh[path] = (*stats.get(path, (0, 0)), digest, entry[3])
            changed = True
            continue
        datas[path] = data
        to_parse.append(path)
    parsed = _parse_all(root, to_parse, datas, custom_types, jobs)
    for path, item in zip(to_parse, parsed, strict=True):
        results[path] = item
        if path in datas:
            digest = hashlib.sha256(datas[path]).hexdigest()
            fresh[path] = (*stats.get(path, (0, 0)), digest, item)
            changed = True
    if cache_file is not None and (changed or len(entries) != len(paths)):
        keep = {p: entries[p] for p in paths if p in entries and p not in fresh and p in results}
        keep.update(fresh)
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(cache_file, pickle.dumps((key, keep), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass
    return [results[p] for p in paths]


def _parse_all(
    root: Path,
    paths: list[str],
    datas: dict[str, bytes],
    custom_types: frozenset[str],
    jobs: int | None,
) -> list:
    from chartkeep.practice import _parse_many, parse_file

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(paths) < PARALLEL_FROM or workers <= 1:
        out = []
        for path in paths:
            if path in datas:
                out.append(parse_file(path, datas[path], custom_types))
            else:
                out.extend(_parse_many(str(root), [path], custom_types))
        return out
    import concurrent.futures
    import multiprocessing

    chunk = max(1, len(paths) // (workers * 4))
    pieces = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        results = pool.map(_parse_many, [str(root)] * len(pieces), pieces, [custom_types] * len(pieces))
        return [item for part in results for item in part]
