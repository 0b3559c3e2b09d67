"""Benchmark the chart: full build vs plain MkDocs on the same pages, and a one-note rebuild.

    python bench/bench_chart.py --size 2000          # generates a practice, prints a table
    python bench/bench_chart.py --practice DIR       # an existing practice

`run(practice_dir)` returns rows `{"what", "seconds", "baseline", "ratio", "command"}`:
- chart build: `chartkeep build --site-dir DIR` (load, check, pages, MkDocs, search index);
  baseline: plain `mkdocs build` (mkdocs theme + search) of the same notes' bodies as Markdown
  pages, i.e. what MkDocs alone costs for that many pages;
- one-note rebuild: save one note into a served chart (incremental build, as `chartkeep serve`
  does on save); baseline: the full build of the same builder.
Seconds are wall-clock; CPU seconds are in the "cpu" field, since shared machines vary.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-27T12:00"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def _plain_mkdocs_project(practice: Path, target: Path) -> int:
    """The practice's note bodies as a plain MkDocs project (never the private/ notes)."""
    docs = target / "docs"
    count = 0
    for path in sorted((practice / "notes").rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") and "\n---\n" in text else text
        out = docs / path.relative_to(practice)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"# {path.stem}\n{body}", encoding="utf-8")
        count += 1
    (docs / "index.md").write_text("# Dashboard\n")
    (target / "mkdocs.yml").write_text(
        "site_name: baseline\nnav: [index.md]\ntheme: {name: mkdocs, highlightjs: false}\nplugins: [search]\n"
    )
    return count


def run(practice_dir: Path | str) -> list[dict[str, object]]:
    practice = Path(practice_dir).resolve()
    python = sys.executable
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-chart-") as tmp:
        base = Path(tmp)
        os.chmod(base, 0o700)
        plain = base / "plain"
        pages = _plain_mkdocs_project(practice, plain)
        mkdocs_cmd = [python, "-m", "mkdocs", "build", "-q", "-f", str(plain / "mkdocs.yml")]
        base_s, base_cpu = _timed(mkdocs_cmd)

        check_cmd = [python, "-m", "chartkeep", "check", "--practice", str(practice), "--as-of", AS_OF]
        cpu = _children_cpu()
        start = time.perf_counter()
        subprocess.run(check_cmd, stdout=subprocess.DEVNULL, check=False)
        check_s, check_cpu = time.perf_counter() - start, _children_cpu() - cpu

        site = base / "site"
        build_cmd = [
            python,
            "-m",
            "chartkeep",
            "build",
            "--practice",
            str(practice),
            "--site-dir",
            str(site),
            "--as-of",
            AS_OF,
        ]
        build_s, build_cpu = _timed(build_cmd)
        rows.append(
            _row(
                "chartkeep check (load + checks), part of the build",
                check_s,
                base_s,
                " ".join(check_cmd),
                check_cpu,
            )
        )
        rows.append(
            _row(f"chart build, full ({pages} record pages)", build_s, base_s, " ".join(build_cmd), build_cpu)
        )
        rows.append(
            _row(
                "plain mkdocs build of the same notes (baseline)",
                base_s,
                base_s,
                " ".join(mkdocs_cmd),
                base_cpu,
            )
        )

        # one saved note, as `chartkeep serve` rebuilds it
        from chartkeep.chart.build import ChartBuilder
        from chartkeep.commands.check import parse_as_of

        work = base / "work"
        work.mkdir(mode=0o700)
        served = base / "served"
        served.mkdir(mode=0o700)
        builder = ChartBuilder(practice, served, work, as_of=parse_as_of(AS_OF), incremental=True)
        full_s = builder.build()
        builder.warm()
        stages = dict(builder.source.timings)
        for stage, label in (
            ("load_check", "load + check"),
            ("pages", "pages (chart/pages.py)"),
            ("mkdocs", "MkDocs (templates, search index, writing)"),
        ):
            if stage in stages:
                rows.append(
                    _row(
                        f"  stage of the served build: {label}",
                        stages[stage],
                        base_s,
                        "ChartBuilder(incremental=True).build()",
                        0.0,
                    )
                )
        note = next(p for p in sorted((practice / "notes").rglob("*-soap.md")))
        rel = note.relative_to(practice).as_posix()
        original = note.read_bytes()
        try:
            note.write_bytes(original + b"\nBenchmark edit.\n")
            start = time.perf_counter()
            cpu0 = time.process_time()
            builder.quick([rel])
            one_s, one_cpu = time.perf_counter() - start, time.process_time() - cpu0
            start = time.perf_counter()
            cpu0 = time.process_time()
            builder.recheck()
            re_s, re_cpu = time.perf_counter() - start, time.process_time() - cpu0
        finally:
            note.write_bytes(original)
        rows.append(
            _row(
                "one saved note, incremental rebuild (serve)",
                one_s,
                full_s,
                f"ChartBuilder(incremental=True).quick([{rel!r}])",
                one_cpu,
            )
        )
        rows.append(
            _row(
                "then the full re-check in the background (serve)",
                re_s,
                full_s,
                "ChartBuilder(incremental=True).recheck()",
                re_cpu,
            )
        )
        shutil.rmtree(site, ignore_errors=True)
    return rows


def _row(what: str, seconds: float, baseline: float, command: str, cpu: float) -> dict[str, object]:
    return {
        "what": what,
        "seconds": round(seconds, 2),
        "baseline": round(baseline, 2),
        "ratio": round(seconds / baseline, 2) if baseline else None,
        "command": command,
        "cpu": round(cpu, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="notes in a generated practice")
    parser.add_argument("--practice", type=Path, default=None, help="an existing practice")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-practice-") as tmp:
        practice = args.practice
        if practice is None:
            from chartkeep.demo_data import generate

            practice = Path(tmp) / "practice"
            generate(practice, args.size, seed=1)
            subprocess.run(["git", "init", "-q", str(practice)], check=True)  # enables the parse cache
        rows = run(practice)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'what':58} {'s':>8} {'cpu s':>8} {'baseline':>9} {'ratio':>6}")
        for row in rows:
            print(f"{row['what']:58} {row['seconds']:8} {row['cpu']:8} {row['baseline']:9} {row['ratio']:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
