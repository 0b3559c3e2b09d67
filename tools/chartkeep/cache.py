"""Parse results cached by content, so a practice of thousands of notes re-checks in a blink.

What is cached per file: its problems from reading, the schema and the record checks, its typed
record without the body, and the small features the practice checks use. The cache lives in
`.git/chartkeep/parsed/` only, since it holds front matter and plaintext must never sit outside
`.git`; a practice that is not a git repository is simply not cached. An entry is reused when the
file's size and mtime match, else when its SHA-256 matches; the whole cache is dropped when
chartkeep's code, the settings or the templates change.

The cache is split into shards by folder (a client's notes share one), so saving one edited
note rewrites one small shard, not the whole practice; face sheets and plans have shards of
their own, so `check FILE`, which needs every client's, reads those and the note's shard only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chartkeep import __version__
from chartkeep.layout import atomic_write, is_context_file

if TYPE_CHECKING:
    from chartkeep.checks import Env
    from chartkeep.practice import Parsed, Stat

CACHE_FORMAT = 3
PARALLEL_FROM = 400
NOTE_SHARDS = 64
CONTEXT_SHARDS = 8
SHARDS = NOTE_SHARDS + CONTEXT_SHARDS
_PACKAGE = Path(__file__).parent

Entry = tuple[int, int, str, "Parsed"]  # mtime_ns, size, SHA-256, the parse


def cache_dir(root: Path) -> Path | None:
    """Where the shards live, or None for a practice that is not a git repository."""
    git = root / ".git"
    return git / "chartkeep" / "parsed" if git.is_dir() else None


def shard_of(path: str) -> int:
    folder = zlib.crc32(path.rpartition("/")[0].encode("utf-8", "surrogateescape"))
    return NOTE_SHARDS + folder % CONTEXT_SHARDS if is_context_file(path) else folder % NOTE_SHARDS


# The code whose change can change a cached result: reading, the schema, the record checks.
_RULE_SOURCES = (
    "reader.py", "yamlstrict.py", "schema.py", "model.py", "billing.py", "icd10.py",
    "settings.py", "templates.py", "practice.py", "problems.py", "cache.py", "checks",
)


def cache_key(env: Env, sources: Sequence[str] = ()) -> str:
    """Changes whenever what a record check could see changes: code, settings, templates (and the
    package's `sources` named besides, files or folders)."""
    digest = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}".encode())
    for name in (*_RULE_SOURCES, *sources):
        target = _PACKAGE / name
        for source in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            digest.update(source.read_bytes())
    digest.update(repr(env).encode())
    return digest.hexdigest()


def parse_cached(
    root: Path,
    paths: Sequence[str],
    env: Env,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    complete: bool = True,
    stats: Mapping[str, Stat] | None = None,
) -> list[Parsed]:
    """Every path parsed, from the cache where the file has not changed. `complete` says that
    `paths` is every record of the practice (cached ones of deleted files are dropped); else
    only the shards of `paths` are read. `stats`: the files' mtime and size when known already
    (`practice.scan`)."""
    store = cache_dir(root) if use_cache else None
    key = cache_key(env) if store is not None else ""
    entries = _load(store, key, set(range(SHARDS)) if complete else {shard_of(p) for p in paths})
    base = str(root)
    results: dict[str, Parsed] = {}
    to_parse: list[str] = []
    fresh: dict[str, Entry] = {}
    for path in paths:
        full = os.path.join(base, path)
        entry = entries.get(path)
        known = stats.get(path) if stats is not None else _stat(full)
        if entry is None or known is None:
            to_parse.append(path)
        elif (entry[0], entry[1]) == known:
            results[path] = entry[3]
        elif entry[2] == _digest(full):  # touched, not changed
            results[path] = entry[3]
            fresh[path] = (*known, entry[2], entry[3])
        else:
            to_parse.append(path)
    parsed, written = _parse_all(root, to_parse, env, jobs, store, key, entries)
    for path, (entry, result) in parsed.items():
        results[path] = result
        if entry is not None:
            fresh[path] = entry
    if store is not None:
        _save_changed(root, store, key, entries, fresh, paths, written)
    for path, result in results.items():
        result.raw.source = os.path.join(base, path)
    return [results[p] for p in paths]


def _stat(path: str) -> Stat:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _load(store: Path | None, key: str, numbers: set[int]) -> dict[str, Entry]:
    """Every entry of the shards `numbers` written under `key` (a damaged or stale shard is
    skipped)."""
    entries: dict[str, Entry] = {}
    if store is None or not store.is_dir():
        return entries
    for number in sorted(numbers):
        try:
            with (store / f"{number:02d}.pickle").open("rb") as handle:
                stored_key, shard = pickle.load(handle)
        except FileNotFoundError:
            continue
        except Exception:  # a damaged or foreign shard only makes this run slower
            continue
        if stored_key == key:
            entries.update(shard)
    return entries


def _save_changed(
    root: Path,
    store: Path,
    key: str,
    entries: dict[str, Entry],
    fresh: dict[str, Entry],
    paths: Sequence[str],
    written: set[int],
) -> None:
    """Rewrite the shards that gained or changed an entry, or hold one for a deleted file, except
    those the workers have `written` already. (Entries of files not in `paths` but still on disk
    stay: `check FILE` loads only a few.)"""
    listed = set(paths)
    gone = {p for p in entries if p not in listed and not (root / p).exists()}
    dirty = ({shard_of(p) for p in fresh} | {shard_of(p) for p in gone}) - written
    if not dirty:
        return
    shards: dict[int, dict[str, Entry]] = {number: {} for number in dirty}
    for path, entry in (*entries.items(), *fresh.items()):
        number = shard_of(path)
        if number in shards and path not in gone:
            shards[number][path] = entry  # fresh comes last and wins
    try:
        for number, shard in shards.items():
            _write_shard(store, number, pickle.dumps((key, shard), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only .git still gets its notes checked


def _write_shard(store: Path, number: int, data: bytes) -> None:
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    (store.parent / "parsed.pickle").unlink(missing_ok=True)  # the unsharded cache of 0.1
    atomic_write(store / f"{number:02d}.pickle", data, durable=False)


def _parse_all(
    root: Path,
    paths: list[str],
    env: Env,
    jobs: int | None,
    store: Path | None,
    key: str,
    entries: dict[str, Entry],
) -> tuple[dict[str, tuple[Entry | None, Parsed]], set[int]]:
    """Parse `paths`, on every core when there are many: each path's cache entry (None for a
    file that could not be read) and result, and the shards the workers wrote themselves.

    Work is split by shard. A worker that parses every file of its shard (every shard, cold)
    writes the shard and hands its bytes back, so the records are pickled once, in parallel."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(paths) < PARALLEL_FROM or workers <= 1:
        shard, uncached = _parse_entries(str(root), paths, env)
        return _results(shard, uncached), set()
    import concurrent.futures
    import multiprocessing

    by_shard: dict[int, list[str]] = {}
    for path in paths:
        by_shard.setdefault(shard_of(path), []).append(path)
    parsing = set(paths)
    kept = {shard_of(p) for p in entries if p not in parsing}
    numbers = sorted(by_shard)
    targets = [None if store is None or n in kept else str(store / f"{n:02d}.pickle") for n in numbers]
    out: dict[str, tuple[Entry | None, Parsed]] = {}
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        chunks = [by_shard[n] for n in numbers]
        count = len(numbers)
        for blob, uncached in pool.map(_parse_chunk, [str(root)] * count, chunks, [env] * count,
                                       [key] * count, targets):
            out.update(_results(pickle.loads(blob)[1], uncached))
    return out, {n for n, target in zip(numbers, targets, strict=True) if target is not None}


def _results(shard: dict[str, Entry], uncached: list[Parsed]) -> dict[str, tuple[Entry | None, Parsed]]:
    out: dict[str, tuple[Entry | None, Parsed]] = {path: (entry, entry[3]) for path, entry in shard.items()}
    for parsed in uncached:
        out[parsed.raw.path] = (None, parsed)
    return out


def _parse_entries(root: str, paths: Sequence[str], env: Env) -> tuple[dict[str, Entry], list[Parsed]]:
    """Parse files: the cache entries of those read, and the results for those that could not
    be (they are not cached). What is kept is slim: the bodies are read again when asked."""
    from chartkeep.practice import parse_paths

    shard: dict[str, Entry] = {}
    uncached: list[Parsed] = []
    for read, parsed in parse_paths(root, paths, env):
        if read is None:
            uncached.append(parsed)
        else:
            mtime, size, digest = read
            shard[parsed.raw.path] = (mtime, size, digest, parsed.slim())
    return shard, uncached


def _parse_chunk(
    root: str, paths: Sequence[str], env: Env, key: str, target: str | None
) -> tuple[bytes, list[Parsed]]:
    """A worker's part: its files parsed, as a pickled shard `(key, {path: entry})` (written to
    `target` too when given), and the files that could not be read."""
    shard, uncached = _parse_entries(root, paths, env)
    blob = pickle.dumps((key, shard), protocol=pickle.HIGHEST_PROTOCOL)
    if target is not None:
        try:
            _write_shard(Path(target).parent, int(Path(target).stem), blob)
        except OSError:
            pass  # a read-only .git still gets its notes checked
    return blob, uncached
