"""Benchmark `chartkeep new-note`: from the command to the editor's launch, on a large practice.

`new-note` reads only the client's face sheet, plan files and latest note, so its time should not
grow with the practice. Three medians over RUNS runs (each new note is deleted after its run):

- `new-note C… soap --no-edit`: the whole command, no editor;
- command → editor launch: a fake `$EDITOR` records when it starts (`CHARTKEEP_EDIT=1`);
- command with the editor and the check that follows it (the fake editor returns at once).

    python bench/bench_new_note.py [DIR] [--notes 12000]

DIR defaults to a fresh generated practice (`chartkeep.demo_data.generate`, seed 1).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 11
TARGET_SECONDS = 0.2
# A shell script starts in about a millisecond, so the launch time is chartkeep's, not the editor's.
EDITOR_SCRIPT = """\
#!/bin/sh
date +%s.%N > '{stamp}'
"""


def _env(**extra: str) -> dict[str, str]:
    """The user's environment: bytecode caching on (as for anyone who installed chartkeep),
    no GIT_* variables from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def _chartkeep() -> list[str]:
    script = Path(sys.executable).with_name("chartkeep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chartkeep"]


def active_client(root: Path) -> str:
    """The first active client with a plan and at least one note: the realistic case."""
    for folder in sorted((root / "notes").iterdir()):
        sheet = folder / "client.md"
        if not sheet.is_file() or "status: active" not in sheet.read_text(encoding="utf-8"):
            continue
        names = [p.name for p in folder.iterdir()]
        if any(n.startswith("plan-") for n in names) and len(names) > 3:
            return folder.name
    raise SystemExit(f"{root}: no active client with a plan and notes")


def _one(command: list[str], root: Path, env: dict[str, str]) -> tuple[float, float, float | None, str]:
    """Wall time, CPU time (user + system: steadier than wall time on a busy machine), editor
    launch delay (or None) and the note written."""
    stamp = env.get("BENCH_STAMP")
    if stamp and os.path.exists(stamp):
        os.unlink(stamp)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, check=False)
    wall = time.time() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    launched = None
    if stamp and os.path.exists(stamp):
        launched = float(Path(stamp).read_text()) - started
    written = result.stdout.splitlines()[0].strip()
    return wall, cpu, launched, written


def run(practice_dir: str | os.PathLike[str], runs: int = RUNS) -> list[dict[str, object]]:
    root = Path(practice_dir).resolve()
    code = active_client(root)
    base = [*_chartkeep(), "new-note", code, "soap"]
    notes = sum(1 for _ in (root / "notes").rglob("*.md"))
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-editor-") as scratch:
        editor = Path(scratch) / "editor"
        stamp = str(Path(scratch) / "launched")
        editor.write_text(EDITOR_SCRIPT.format(stamp=stamp), encoding="utf-8")
        editor.chmod(0o755)
        variants = [
            ("new-note --no-edit (whole command)", [*base, "--no-edit"], _env()),
            ("new-note, with editor + check", base,
             _env(EDITOR=str(editor), VISUAL="", CHARTKEEP_EDIT="1", BENCH_STAMP=stamp)),
        ]
        launches: list[float] = []
        for what, command, env in variants:
            *_, written = _one(command, root, env)  # warm the OS cache and the bytecode
            (root / written).unlink()
            walls, cpus = [], []
            for _ in range(runs):
                wall, cpu, launched, written = _one(command, root, env)
                (root / written).unlink()
                walls.append(wall)
                cpus.append(cpu)
                if launched is not None:
                    launches.append(launched)
            rows.append({"what": what, "seconds": round(statistics.median(walls), 4),
                         "cpu_seconds": round(statistics.median(cpus), 4),
                         "command": "chartkeep " + " ".join(command[len(_chartkeep()):]), "runs": runs,
                         "notes": notes})
        rows.insert(1, {
            "what": "new-note: command to editor launch",
            "seconds": round(statistics.median(launches), 4),
            "command": f"EDITOR=<fake> CHARTKEEP_EDIT=1 chartkeep new-note {code} soap",
            "runs": len(launches), "notes": notes, "target_seconds": TARGET_SECONDS,
            "ok": statistics.median(launches) < TARGET_SECONDS,
            "load_average": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", help="an existing practice (default: generate one)")
    parser.add_argument("--notes", type=int, default=12000, help="notes to generate (default 12000)")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    if args.dir:
        rows = run(args.dir, args.runs)
    else:
        from chartkeep.demo_data import generate

        with tempfile.TemporaryDirectory(prefix="bench-practice-") as scratch:
            root = Path(scratch) / "practice"
            generate(root, args.notes, seed=1)
            rows = run(root, args.runs)
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
