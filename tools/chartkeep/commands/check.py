"""`chartkeep check`, `chartkeep schema` and `chartkeep demo-data`: the foundation's commands."""

from __future__ import annotations

import argparse

from chartkeep.cli import practice_option


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="check notes against the documentation rules",
        description="Check every record of the practice (or the given files) and print problems as "
        "`path:line: severity CODE: message`. Prints nothing when all is well. Exit 0: no errors "
        "(warnings allowed); 1: errors; 2: usage or setup error.",
    )
    practice_option(check)
    check.add_argument("paths", nargs="*", metavar="PATH", help="only these files (default: all)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument(
        "--select",
        default="",
        metavar="CODES",
        help="only these codes or families, comma-separated (CK2, CK201, billing, quality)",
    )
    check.add_argument(
        "--checks",
        default="all",
        metavar="LIST",
        help="named check list: all (default) or basic (no quality warnings)",
    )
    check.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DDTHH:MM",
        help="check as of this moment in the practice's time zone (audits, tests); default now",
    )
    check.set_defaults(func=run_check)

    schema = sub.add_parser("schema", help="print the JSON Schema of every record type")
    schema.set_defaults(func=run_schema)

    demo = sub.add_parser(
        "demo-data",
        help="generate a fictional practice (benchmarks, demos)",
        description="Write a deterministic fictional practice of N notes into DIR.",
    )
    demo.add_argument("dir", metavar="DIR")
    demo.add_argument("--notes", type=int, default=1000, help="how many notes (default 1000)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument("--problems", type=float, default=0.0, help="fraction of notes with problems")
    demo.set_defaults(func=run_demo_data)


def parse_as_of(text: str | None):  # -> dt.datetime | None
    if text is None:
        return None
    from chartkeep.errors import UsageError
    from chartkeep.schema import parse_date, parse_datetime

    stamp = parse_datetime(text)
    if stamp is None:
        day = parse_date(text)
        if day is None:
            raise UsageError(f"--as-of {text!r}: use YYYY-MM-DDTHH:MM")
        import datetime as dt

        stamp = dt.datetime.combine(day, dt.time(23, 59))
    return stamp


def run_check(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from chartkeep.checks import choose
    from chartkeep.layout import find_practice, safe_relative
    from chartkeep.problems import has_errors, render

    root = find_practice(args.practice)
    from chartkeep.gitstate import require_unlocked

    require_unlocked(root)
    wanted = [str(safe_relative(root, p)) for p in args.paths] or None
    for name, rel in zip(args.paths, wanted or (), strict=False):
        if (root / rel).is_dir():
            from chartkeep.errors import UsageError

            raise UsageError(f"{name}: is a directory; name .md files, or no PATH to check everything")
        if not (root / rel).is_file():
            from chartkeep.errors import UsageError

            if (root / rel).exists():
                raise UsageError(f"{name}: not a regular file (a pipe or a device): move it out of the practice")
            raise UsageError(f"{name}: no such file in the practice {root}")
    as_of = parse_as_of(args.as_of)
    select = [s.strip() for s in args.select.split(",") if s.strip()]
    from chartkeep.checks import CHECK_LISTS
    from chartkeep.errors import UsageError
    from chartkeep.problems import CATALOGUE, FAMILIES, selected

    if args.checks not in CHECK_LISTS:
        raise UsageError(f"--checks {args.checks!r}: use one of {', '.join(CHECK_LISTS)}")
    for item in select:  # a typo must not switch checking off
        if not any(selected(code, [item]) for code in CATALOGUE):
            raise UsageError(
                f"--select {item!r} matches no check: use codes like CK201 or CK2, or a family "
                f"({', '.join(FAMILIES.values())})"
            )
    from chartkeep.memo import check_files, check_practice

    if wanted is None:  # the whole practice: findings cached for it as a whole
        practice, found = check_practice(root, as_of=as_of)
    else:
        practice, found = check_files(root, wanted, as_of=as_of)
    problems = choose(found, practice.settings, lists=[args.checks], select=select, strict=args.strict)
    shown = problems
    cwd = Path.cwd().resolve()
    if cwd != root:
        from dataclasses import replace

        folders: dict[str, str] = {}  # each folder's path from here, worked out once

        def here(path: str) -> str:
            folder, name = os.path.split(path)
            if folder not in folders:
                folders[folder] = os.path.relpath(root / folder, cwd)
            return os.path.join(folders[folder], name)

        shown = [replace(p, path=here(p.path)) if not p.path.startswith("(") else p for p in problems]
    output = render(shown, args.format)
    if output and (args.format == "json" or shown):
        print(output)
    elif args.format == "json":
        print("[]")
    return 1 if has_errors(problems) else 0


def run_schema(args: argparse.Namespace) -> int:
    import json

    from chartkeep.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def run_demo_data(args: argparse.Namespace) -> int:
    from pathlib import Path

    from chartkeep.demo_data import generate
    from chartkeep.errors import UsageError

    if args.notes < 1 or not 0 <= args.problems <= 1:
        raise UsageError("--notes must be at least 1 and --problems between 0 and 1")
    try:
        result = generate(Path(args.dir), args.notes, seed=args.seed, problems=args.problems)
    except FileExistsError as error:
        raise UsageError(str(error)) from None
    print(f"{args.dir}: {result}")
    return 0
