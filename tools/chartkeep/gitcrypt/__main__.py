"""What git runs (via `.git/chartkeep/gitcrypt-filter`): `process`, `clean`, `smudge`, `diff FILE`
and `merge %O %A %B %L %P`, each with an optional `--key-name=NAME` like git-crypt's."""

from __future__ import annotations

import sys


def _split(argv: list[str]) -> tuple[str | None, list[str]]:
    name = None
    rest = []
    for arg in argv:
        if arg.startswith("--key-name="):
            name = arg.partition("=")[2] or None
        else:
            rest.append(arg)
    return name, rest


def run(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m chartkeep.gitcrypt process|clean|smudge|diff|merge", file=sys.stderr)
        return 2
    command, (key_name, rest) = argv[0], _split(argv[1:])
    if command == "process":
        from chartkeep.gitcrypt.filter_process import main

        return main(key_name)
    from chartkeep.gitcrypt.blob import BlobError, clean, smudge
    from chartkeep.gitcrypt.filter_process import Keys

    keys = Keys(key_name)
    try:
        if command in ("clean", "smudge"):
            data = sys.stdin.buffer.read()
            key = keys.entry()
            if command == "smudge":
                out = smudge(key, data)
            elif key is None:
                raise BlobError("no key is configured: run `chartkeep unlock KEYFILE`")
            else:
                out = clean(key, data)
            sys.stdout.buffer.write(out)
            return 0
        if command == "diff" and len(rest) == 1:
            with open(rest[0], "rb") as handle:
                sys.stdout.buffer.write(smudge(keys.entry(), handle.read()))
            return 0
        if command == "merge" and len(rest) == 5:
            from chartkeep.gitcrypt.merge import merge_driver

            return merge_driver(keys, *rest)
    except BlobError as error:
        print(f"chartkeep: {command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file git named that cannot be read or written
        where = f"{error.filename}: " if error.filename else ""
        print(f"chartkeep: {command}: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    print(f"chartkeep.gitcrypt: bad arguments {argv!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
