"""`chartkeep check` at practice scale: cold, warm, one note changed, against a bare read of the
same files in the same run (the floor no checker can beat)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import BIN, row, run_command

BARE_READ = (
    "import os,sys\n"
    "n=0\n"
    "for top in ('notes','private'):\n"
    "    for d,_,fs in os.walk(os.path.join(sys.argv[1],top)):\n"
    "        for f in fs:\n"
    "            with open(os.path.join(d,f),'rb') as h: n+=len(h.read())\n"
)


def practice(size: int, workdir: Path) -> Path:
    root = workdir / f"practice-{size}"
    if not (root / "chartkeep.toml").exists():
        subprocess.run([str(BIN / "chartkeep"), "demo-data", str(root), "--notes", str(size),
                        "--seed", "1", "--problems", "0.02"], check=True, capture_output=True)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def run(size: int, workdir: Path, repeat: int = 3) -> list[dict[str, object]]:
    root = practice(size, workdir)
    check = [str(BIN / "chartkeep"), "check", "--practice", str(root), "--format", "json"]
    bare = [sys.executable, "-c", BARE_READ, str(root)]
    cache = root / ".git" / "chartkeep"
    note = sorted((root / "notes").glob("C0001/20*.md"))[-1]  # the newest note of one client
    original = note.read_text()
    counter = [0]

    def drop_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def change_one() -> None:
        counter[0] += 1
        note.write_text(original + f"\nAddendum line {counter[0]}.\n")

    run_command(bare, repeat=1)  # the files into the OS page cache, for the floor and the checks alike
    floor = run_command(bare, repeat=repeat)
    cold = run_command(check, repeat=repeat, before=drop_cache)
    run_command(check, repeat=1)
    warm = run_command(check, repeat=repeat)
    changed = run_command(check, repeat=repeat, before=change_one)
    # what `chartkeep watch` runs after each save: the saved note with every face sheet and plan
    one_file = run_command([*check, str(note)], repeat=repeat, before=change_one)
    note.write_text(original)
    shown = f"chartkeep check --practice PRACTICE  # {size} notes"
    return [
        row(f"check, {size} notes, cold", cold, baseline=floor, baseline_what="bare read",
            command=shown + ", cache removed", target="≤ 3 s; ≤ 15× bare read" if size <= 12000 else "≤ 60 s"),
        row(f"check, {size} notes, warm", warm, baseline=floor, baseline_what="bare read",
            command=shown, target="≤ 5 s" if size > 12000 else ""),
        row(f"check, {size} notes, one note changed", changed, baseline=floor, baseline_what="bare read",
            command=shown + ", one note edited before each run",
            target="≤ 0.5 s; ≤ 3× bare read" if size <= 12000 else ""),
        row(f"check FILE, {size} notes, that note changed", one_file, baseline=floor,
            baseline_what="bare read", command=f"chartkeep check --practice PRACTICE NOTE  # {size} notes"),
        row(f"bare read of the same files ({size} notes)", floor, command="python -c <read every file> PRACTICE"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=12000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for item in run(args.size, args.workdir):
        print(item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
