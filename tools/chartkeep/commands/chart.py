"""`chartkeep build` and `chartkeep serve`: the private chart (see doc/chart.md)."""

from __future__ import annotations

import argparse

from chartkeep.cli import practice_option

EXPOSE_FLAG = "--i-understand-this-exposes-phi"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser(
        "build",
        help="build the chart site into a private directory",
        description="Build the practice's chart (dashboard, one chart per client, every note) with "
        "MkDocs. Without --site-dir it goes to a new private (mode 0700) temporary directory, "
        "whose path is printed; it holds protected health information: delete it when done.",
    )
    practice_option(build)
    build.add_argument(
        "--site-dir",
        metavar="DIR",
        default=None,
        help="build here instead (new, empty or a previous chart; inside the practice only if "
        "git ignores it, e.g. site/)",
    )
    build.add_argument("--as-of", default=None, metavar="YYYY-MM-DDTHH:MM", help=argparse.SUPPRESS)
    build.set_defaults(func=run_build)

    serve = sub.add_parser(
        "serve",
        help="serve the chart on http://127.0.0.1:8000 with a token",
        description="Build the chart into a private temporary directory and serve it on "
        "127.0.0.1 until Ctrl-C. The printed URL carries a one-time token; pages refresh when "
        "a note is saved. The directory is removed on exit.",
    )
    practice_option(serve)
    serve.add_argument(
        "--addr",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:8000; port 0 picks a free port)",
    )
    serve.add_argument(
        EXPOSE_FLAG,
        dest="expose",
        action="store_true",
        help="allow an address other than 127.0.0.1/::1 (other machines could reach the chart)",
    )
    serve.add_argument("--as-of", default=None, metavar="YYYY-MM-DDTHH:MM", help=argparse.SUPPRESS)
    serve.set_defaults(func=run_serve)


def run_build(args: argparse.Namespace) -> int:
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from chartkeep.chart.build import ChartBuilder, prepare_site_dir, runtime_base
    from chartkeep.commands.check import parse_as_of
    from chartkeep.gitstate import require_unlocked
    from chartkeep.layout import find_practice, private_tempdir

    root = find_practice(args.practice)
    require_unlocked(root)
    as_of = parse_as_of(args.as_of)
    if args.site_dir:
        site = prepare_site_dir(root, Path(args.site_dir))
        temporary = False
    else:
        old = os.umask(0o077)
        try:
            site = Path(tempfile.mkdtemp(prefix="chartkeep-site-", dir=runtime_base()))
        finally:
            os.umask(old)
        temporary = True
    try:
        with private_tempdir("chartkeep-build-") as work:
            builder = ChartBuilder(root, site, work, as_of=as_of)
            seconds = builder.build()
    except BaseException:
        # never leave a half-built chart behind
        if temporary:
            shutil.rmtree(site, ignore_errors=True)
        else:
            for child in site.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    pages = len(builder.source.pages)
    print(f"chart built in {seconds:.1f} s: {pages} pages in {site}")
    print(
        f"Open {site / 'index.html'}. It holds protected health information: "
        f"remove it when done (rm -r {site})."
    )
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import sys

    from chartkeep.chart.server import is_loopback, parse_addr, serve
    from chartkeep.commands.check import parse_as_of
    from chartkeep.errors import UsageError
    from chartkeep.gitstate import require_unlocked
    from chartkeep.layout import find_practice

    root = find_practice(args.practice)
    require_unlocked(root)
    host, port = parse_addr(args.addr)
    if not is_loopback(host):
        if not args.expose:
            raise UsageError(
                f"--addr {args.addr}: the chart holds protected health information and is served "
                f"on 127.0.0.1 only. To listen on {host} anyway, add {EXPOSE_FLAG}."
            )
        print(
            f"WARNING: serving protected health information on {host}:{port}. Anyone who can "
            "reach this address and learns the token can read every record. The connection is "
            "not encrypted.",
            file=sys.stderr,
        )
    return serve(root, host, port, as_of=parse_as_of(args.as_of))
