"""The parse cache: same answers warm as cold, invalidated by edits and settings, only in .git."""

from __future__ import annotations

import pickle
import shutil
import subprocess
from pathlib import Path

from chartkeep.cache import SHARDS, cache_dir, shard_of
from chartkeep.checks import run_checks
from chartkeep.practice import load_practice

from tests.conftest import AS_OF

NOTE = "notes/C0001/2026-02-26-soap.md"


def problems(root: Path, **kwargs: object) -> list[str]:
    from chartkeep.commands.check import parse_as_of

    practice = load_practice(root, as_of=parse_as_of(AS_OF), **kwargs)  # type: ignore[arg-type]
    return [p.as_text() for p in run_checks(practice)]


def test_warm_equals_cold_and_edits_are_seen(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    note = practice / NOTE
    note.write_text(note.read_text().replace('service: "90837"', 'service: "90834"'))
    cold = problems(practice)
    store = cache_dir(practice)
    assert store is not None and len(list(store.glob("*.pickle"))) > 1
    assert problems(practice) == cold
    assert problems(practice, use_cache=False) == cold
    assert any("CK201" in line for line in cold)
    note.write_text(note.read_text().replace('service: "90834"', 'service: "90837"'))
    assert not any("CK201" in line for line in problems(practice))


def test_settings_change_invalidates(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    assert not any("CK112" in line for line in problems(practice))
    settings = practice / "chartkeep.toml"
    settings.write_text(settings.read_text().replace("[clinicians.mo]", "[clinicians.maya]"))
    assert any("CK112" in line for line in problems(practice))


def test_no_cache_outside_git(practice: Path, tmp_path: Path, monkeypatch: object) -> None:
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    problems(practice)
    after = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
    assert cache_dir(practice) is None


def test_damaged_cache_is_only_slower(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    cold = problems(practice)
    store = cache_dir(practice)
    assert store is not None
    for shard in store.glob("*.pickle"):
        shard.write_bytes(b"not a pickle")
    assert problems(practice) == cold


def test_slim_records_read_their_body_again(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    problems(practice)
    warm = load_practice(practice)
    note = next(n for n in warm.notes if n.path == NOTE)
    assert note.raw.body_text is None  # from the cache
    assert "## Subjective" in note.raw.body
    assert note.raw.section("Plan") is not None


def test_an_edit_rewrites_only_its_shard_and_a_partial_load_keeps_the_rest(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    problems(practice)
    store = cache_dir(practice)
    assert store is not None
    before = {shard.name: shard.stat().st_mtime_ns for shard in store.glob("*.pickle")}
    note = practice / NOTE
    note.write_text(note.read_text() + "\nOne more line.\n")
    problems(practice)
    after = {shard.name: shard.stat().st_mtime_ns for shard in store.glob("*.pickle")}
    assert {name for name in after if after[name] != before.get(name)} == {f"{shard_of(NOTE):02d}.pickle"}
    assert all(0 <= shard_of(p) < SHARDS for p in (NOTE, "x.md", "notes/C0002/a.md"))

    # `check FILE` loads a few records: the cache still holds everyone else's afterwards,
    # and a deleted folder's entries leave it
    def cached_paths() -> set[str]:
        found: set[str] = set()
        for shard in store.glob("*.pickle"):  # type: ignore[union-attr]
            found.update(pickle.loads(shard.read_bytes())[1])
        return found

    everything = cached_paths()
    assert NOTE in everything and any(p.startswith("notes/C0002/") for p in everything)
    note.write_text(note.read_text() + "Another line.\n")
    load_practice(practice, paths=[NOTE])
    assert cached_paths() == everything
    shutil.rmtree(practice / "notes/C0002")
    problems(practice)
    assert cached_paths() == {p for p in everything if not p.startswith("notes/C0002/")}


def test_workers_write_their_shards_and_agree_with_one_core(practice: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from chartkeep import cache

    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    serial = problems(practice, jobs=1, use_cache=False)
    monkeypatch.setattr(cache, "PARALLEL_FROM", 0)
    assert problems(practice, jobs=2) == serial  # cold: each worker writes its shards
    store = cache_dir(practice)
    assert store is not None and len(list(store.glob("*.pickle"))) > 1
    assert problems(practice, jobs=2) == serial  # warm, from what the workers wrote
    # edits in two folders: their shards keep other entries, so the main process merges them
    note = practice / NOTE
    note.write_text(note.read_text().replace('service: "90837"', 'service: "90834"'))
    other = next(p for p in sorted((practice / "notes/C0002").glob("*.md")))
    other.write_text(other.read_text() + "\nAdded later.\n")
    expected = problems(practice, jobs=1, use_cache=False)
    assert expected != serial
    assert problems(practice, jobs=2) == expected
    assert problems(practice, jobs=1) == expected
    assert problems(practice, jobs=1, use_cache=False) == expected
