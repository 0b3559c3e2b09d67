"""`make demo`: the fictional example practice, encrypted in git, checked, and its chart served.

Copies `examples/practice/` to `.demo/practice/` (git-ignored), makes it an encrypted practice
(`chartkeep init`), commits it through the filter, checks it, confirms no plaintext reached git
(`chartkeep status`), and serves the chart (`--serve=0`: builds it instead). Every step is a
chartkeep command a therapist would run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from chartkeep.cli import main as chartkeep

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "practice"
DEMO = REPOSITORY / ".demo" / "practice"


def step(title: str, argv: list[str], *, allowed: tuple[int, ...] = (0,)) -> int:
    print(f"\n== {title}: chartkeep {' '.join(argv)}", flush=True)
    status = chartkeep(argv)
    if status not in allowed:
        raise SystemExit(f"demo: `chartkeep {' '.join(argv)}` exited {status}")
    return status


def git(*args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="Demo", GIT_AUTHOR_EMAIL="demo@example.invalid",
               GIT_COMMITTER_NAME="Demo", GIT_COMMITTER_EMAIL="demo@example.invalid")
    subprocess.run(["git", "-C", str(DEMO), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chartkeep.demo", description=__doc__)
    parser.add_argument("--serve", default="1", choices=("0", "1"), help="serve the chart (default 1)")
    args = parser.parse_args(argv)
    if not EXAMPLE.is_dir():
        print(f"demo: {EXAMPLE} is missing: run from a full clone of chartkeep", file=sys.stderr)
        return 2
    shutil.rmtree(DEMO.parent, ignore_errors=True)
    shutil.copytree(EXAMPLE, DEMO)
    print(f"Demo practice (fictional): {DEMO}")
    step("make it an encrypted practice", ["init", str(DEMO)])
    git("add", "-A")
    git("commit", "-q", "-m", "demo: the fictional example practice")
    step("nothing under notes/ or private/ is plaintext in git", ["status", "--practice", str(DEMO)])
    step("check every note", ["check", "--practice", str(DEMO), "--checks", "basic"])
    step("audit", ["audit", "--practice", str(DEMO)], allowed=(0, 1))
    if args.serve == "1":
        return step("serve the chart (Ctrl-C to stop)", ["serve", "--practice", str(DEMO)])
    site = DEMO.parent / "site"
    return step("build the chart", ["build", "--practice", str(DEMO), "--site-dir", str(site)])


if __name__ == "__main__":
    sys.exit(main())
