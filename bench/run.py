"""`make bench`: every benchmark of chartkeep in one run, written to BENCHMARKS.md.

Each figure is a median of several runs, and each comparison is measured in the same run as its
baseline (git-crypt, a filter-less checkout, a bare read of the files, plain MkDocs), because the
machine is shared and noisy. Peak memory is reported next to each time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_chart, bench_check, bench_crypt, bench_new_note  # noqa: E402
from bench.common import ROOT  # noqa: E402


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    found = subprocess.run(["git-crypt", "--version"], capture_output=True, text=True)
    git_crypt = (found.stdout or found.stderr).strip()  # git-crypt prints its version on stderr
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{platform.node() or 'machine'}: {os.cpu_count()} cores ({cpu}), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, {git}, {git_crypt or 'git-crypt not found'}; "
        f"load average at start {load}"
    )


def table(rows: list[dict[str, object]]) -> str:
    head = "| what | seconds (median) | baseline | baseline s | ratio | peak RSS MB | target | command |\n"
    head += "| --- | ---: | --- | ---: | ---: | ---: | --- | --- |\n"
    body = []
    for item in rows:
        if isinstance(item.get("baseline"), int | float):  # rows that give the baseline as seconds
            item = {**item, "baseline_seconds": item["baseline"], "baseline": item.get("baseline_what", "")}
        cells = [
            item.get("what", ""),
            item.get("seconds", ""),
            item.get("baseline", "") or "",
            item.get("baseline_seconds", "") if item.get("baseline_seconds") is not None else "",
            item.get("ratio", "") if item.get("ratio") is not None else "",
            item.get("peak_rss_mb", "") if item.get("peak_rss_mb") is not None else "",
            item.get("target", "") or "",
            f"`{item.get('command', '')}`",
        ]
        body.append("| " + " | ".join(str(c) for c in cells) + " |")
    return head + "\n".join(body) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=12000, help="notes in the generated practice")
    parser.add_argument("--crypt-size", type=int, default=5000, help="notes for the encryption rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--only", default="check,new-note,crypt,chart", help="comma-separated parts")
    parser.add_argument("--big", type=int, default=0,
                        help="also check a practice of this many notes, once (e.g. 250000)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    parts = set(args.only.split(","))
    started = dt.datetime.now(dt.UTC)
    header = machine()
    rows: list[dict[str, object]] = []
    if "check" in parts:
        rows += bench_check.run(args.size, args.workdir, repeat=args.repeat)
    practice = bench_check.practice(args.size, args.workdir)
    if "new-note" in parts:
        rows += bench_new_note.run(practice)
    if "crypt" in parts:
        rows += bench_crypt.run(args.crypt_size)
    if "chart" in parts:
        rows += bench_chart.run(practice)
    if args.big:
        rows += bench_check.run(args.big, args.workdir, repeat=1)
    text = (
        "# Benchmarks\n\n"
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {header}.\n\n"
        f"Produced by `make bench SIZE={args.size}` (`python bench/run.py --size {args.size} "
        f"--crypt-size {args.crypt_size} --repeat {args.repeat}"
        + (f" --big {args.big}" if args.big else "")
        + "`). Each time is the median of the runs (the --big practice: one run); "
        "each ratio divides by a baseline measured in the same run. Practices come from "
        "`chartkeep demo-data --seed 1 --problems 0.02`.\n\n"
        + table(rows)
    )
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
