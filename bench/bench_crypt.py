"""Benchmark the encrypted repository: chartkeep's filter process vs git-crypt vs no filter.

Measures, median of 3 runs each, (1) clone + unlock of SIZE notes of about 3 KB and (2) `git add`
of SIZE new notes, with chartkeep, with git-crypt and with a plain repository (no filter);
`git add` also with chartkeep at git's default loose-object compression, which chartkeep turns off.
Both encrypted variants use the same key, so their repositories are identical blob for blob.

    python bench/bench_crypt.py --size 5000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = 3
NOTE_BYTES = 3000
WORDS = (
    "client",
    "reported",
    "sleep",
    "mood",
    "anxiety",
    "improved",
    "session",
    "reviewed",
    "homework",
    "plan",
    "goal",
    "progress",
    "cognitive",
    "restructuring",
    "exposure",
    "hierarchy",
    "coping",
    "skills",
    "safety",
    "denied",
    "ideation",
    "affect",
    "congruent",
    "euthymic",
    "tearful",
    "engaged",
    "insight",
    "fair",
    "good",
    "limited",
    "next",
    "appointment",
    "weekly",
)

# Runs one shell command and reports its wall time and the peak RSS of its largest process.
_TIMER = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.run(["bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{elapsed} {usage.ru_maxrss} {rc} {usage.ru_utime + usage.ru_stime}")
"""


def _env() -> dict[str, str]:
    # no GIT_* from the caller; bytecode kept, as on a real install (see bench/common.py)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.org",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.org",
    )
    return env


def _sh(command: str, cwd: Path) -> None:
    subprocess.run(["bash", "-c", command], cwd=cwd, env=_env(), check=True, capture_output=True)


def _timed(command: str, cwd: Path) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds of all its processes) of one run of `command`."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMER, command],
        cwd=cwd,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, peak_kb, rc, cpu = out.stdout.split()
    if rc != "0":
        raise RuntimeError(f"benchmark step failed ({rc}): {command}\n{out.stderr}")
    return float(seconds), int(peak_kb) / 1024, float(cpu)


def write_notes(root: Path, size: int, seed: int = 7) -> None:
    """`size` notes of about 3 KB under root/notes/Cxxxx/."""
    rng = random.Random(seed)
    for i in range(size):
        client = f"C{i % 400:04d}"
        body = []
        length = 0
        while length < NOTE_BYTES - 200:
            line = " ".join(rng.choices(WORDS, k=12)).capitalize() + ".\n"
            body.append(line)
            length += len(line)
        text = (
            f"---\nclient: {client}\ndate: 2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            f"type: soap\nnumber: {i}\n---\n\n## Subjective\n\n{''.join(body)}"
        )
        path = root / "notes" / client / f"2026-note-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _medians(commands: dict[str, str], cwd: Path, reset: dict[str, str]) -> dict[str, tuple[float, float, float, str]]:
    """For each named command: median wall seconds, max peak RSS, median CPU seconds over RUNS
    runs, and the command. The commands take turns (one run of each, RUNS times), so a machine
    that slows down or speeds up part way through affects each of them alike."""
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, command in commands.items():
            _sh(reset[name], cwd)
            times[name].append(_timed(command, cwd))
    return {
        name: (
            statistics.median(t[0] for t in runs),
            max(t[1] for t in runs),
            statistics.median(t[2] for t in runs),
            commands[name],
        )
        for name, runs in times.items()
    }


def run(size: int = 5000) -> list[dict[str, object]]:
    """Rows {what, seconds, baseline, ratio, command, peak_rss_mb, cpu_seconds};
    ratio = seconds / baseline (the row it is compared with)."""
    ck = shlex.quote(sys.executable) + " -m chartkeep"
    gc = "git-crypt"
    with tempfile.TemporaryDirectory(prefix="bench-crypt-") as tmp_name:
        tmp = Path(tmp_name)
        key = tmp / "default.key"
        enc, plain, clone = tmp / "enc", tmp / "plain", tmp / "clone"
        # The encrypted origin (made by chartkeep) and a plain origin holding the same notes.
        _sh(f"{ck} init {enc} >/dev/null && {ck} export-key --practice {enc} {key}", tmp)
        plain.mkdir()
        _sh("git init -q", plain)
        for origin in (enc, plain):
            write_notes(origin, size)
            _sh("git add -A && git commit -q --no-verify -m notes", origin)

        # Before each run the last clone is moved aside, not deleted: ext4 allocates inodes slowly
        # just after thousands of files are deleted, which slowed whatever ran next by up to
        # several times here. What was moved aside is deleted at the end, outside any timing.
        aside = tmp / "aside"
        aside.mkdir()
        wipe = f"if [ -e {clone} ]; then mv {clone} $(mktemp -d -p {aside}); fi && sync"
        commands = {
            "clone_plain": f"git clone -q {plain} {clone}",
            "clone_gc": f"git clone -q {enc} {clone} && cd {clone} && {gc} unlock {key}",
            "clone_ck": f"git clone -q {enc} {clone} && {ck} unlock --practice {clone} {key}",
            "clone_ck_nc": f"git clone -q --no-checkout {enc} {clone} && {ck} unlock --practice {clone} {key}",
        }
        results = _medians(commands, tmp, dict.fromkeys(commands, wipe))

        # `git add` of `size` new notes in a fresh repository of each kind (same key for both).
        fresh, staged = tmp / "fresh", tmp / "staged-notes"
        write_notes(staged, size, seed=11)
        attributes = enc / ".gitattributes"
        setups = {
            "add_plain": "git init -q",
            "add_ck": f"git init -q && {ck} unlock --practice . {key} >/dev/null && cp {attributes} .",
            "add_gc": f"git init -q && {gc} unlock {key} && cp {attributes} .",
            # chartkeep as configured, except for the loose-object compression it turns off
            # (`core.looseCompression=0`, see gitcrypt/repo.py): git's default level 1 again
            "add_ck_z1": f"git init -q && git config core.looseCompression 1 && "
            f"{ck} unlock --practice . {key} >/dev/null && cp {attributes} .",
        }
        move = f"if [ -e {fresh} ]; then mv {fresh} $(mktemp -d -p {aside}); fi"
        resets = {name: f"{move} && mkdir {fresh} && cd {fresh} && {setup} && cp -r {staged}/notes . && sync"
                  for name, setup in setups.items()}
        added = _medians(dict.fromkeys(setups, f"cd {fresh} && git add -A"), tmp, resets)
        for name, (seconds, peak, cpu, _) in added.items():
            results[name] = (seconds, peak, cpu, f"git add -A  # in a fresh repo with {size} notes")

    def row(what: str, key_: str, base: str) -> dict[str, object]:
        seconds, peak, cpu, command = results[key_]
        baseline = results[base][0]
        return {
            "what": what,
            "seconds": round(seconds, 3),
            "baseline": round(baseline, 3),
            "ratio": round(seconds / baseline, 3) if baseline else None,
            "command": command,
            "peak_rss_mb": round(peak, 1),
            "cpu_seconds": round(cpu, 3),
        }

    n = size
    return [
        row(f"clone {n} notes, no filter", "clone_plain", "clone_plain"),
        row(f"clone+unlock {n}, git-crypt / no filter", "clone_gc", "clone_plain"),
        row(f"clone+unlock {n}, chartkeep / no filter", "clone_ck", "clone_plain"),
        row(f"clone+unlock {n}, chartkeep / git-crypt", "clone_ck", "clone_gc"),
        row(f"clone --no-checkout+unlock {n}, chartkeep / no filter", "clone_ck_nc", "clone_plain"),
        row(f"clone --no-checkout+unlock {n}, chartkeep / git-crypt", "clone_ck_nc", "clone_gc"),
        row(f"git add {n} notes, no filter", "add_plain", "add_plain"),
        row(f"git add {n}, git-crypt / no filter", "add_gc", "add_plain"),
        row(f"git add {n}, chartkeep / no filter", "add_ck", "add_plain"),
        row(f"git add {n}, chartkeep / git-crypt", "add_ck", "add_gc"),
        row(f"git add {n}, chartkeep, loose objects compressed / no filter", "add_ck_z1", "add_plain"),
        row(f"git add {n}, chartkeep, loose objects compressed / git-crypt", "add_ck_z1", "add_gc"),
    ]


def format_table(rows: list[dict[str, object]]) -> str:
    lines = [f"{'what':64} {'seconds':>8} {'baseline':>9} {'ratio':>7} {'cpu s':>7} {'peak MB':>8}"]
    for r in rows:
        lines.append(
            f"{r['what']!s:64} {r['seconds']!s:>8} {r['baseline']!s:>9} {r['ratio']!s:>7} "
            f"{r['cpu_seconds']!s:>7} {r['peak_rss_mb']!s:>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="number of notes (default 5000)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.size)
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
