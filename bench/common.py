"""What every benchmark shares: timing a command several times, peak memory, the row format.

Each row: what was measured, its median seconds, the baseline measured in the same run, the ratio,
peak RSS, and the exact command, so BENCHMARKS.md can be reproduced.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Timing:
    median: float
    runs: tuple[float, ...]
    peak_rss_mb: float


def run_command(argv: Sequence[str], *, repeat: int = 3, env: dict[str, str] | None = None,
                cwd: Path | None = None, before: Callable[[], None] | None = None) -> Timing:
    """Median wall time of a command and the largest peak RSS of its runs (children included)."""
    times = []
    peak = 0.0
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *argv],
            capture_output=True,
            text=True,
            env=_environment(env),
            cwd=cwd,
        )
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-2000:]}")
        try:
            peak = max(peak, int(result.stderr.strip().splitlines()[-1]) / 1024)
        except (ValueError, IndexError):
            pass
    return Timing(statistics.median(times), tuple(times), peak)


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    """The caller's environment, less PYTHONDONTWRITEBYTECODE: a real install keeps its bytecode,
    and without it every timed command would recompile chartkeep's modules."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra or {})
    return env


def run_python(function: Callable[[], object], *, repeat: int = 3) -> Timing:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Timing(statistics.median(times), tuple(times), peak)


def row(what: str, timing: Timing, *, baseline: Timing | None = None, baseline_what: str = "",
        command: str = "", target: str = "") -> dict[str, object]:
    return {
        "what": what,
        "seconds": round(timing.median, 3),
        "baseline": baseline_what,
        "baseline_seconds": round(baseline.median, 3) if baseline else None,
        "ratio": round(timing.median / baseline.median, 2) if baseline and baseline.median else None,
        "peak_rss_mb": round(timing.peak_rss_mb, 1),
        "target": target,
        "command": command,
    }
