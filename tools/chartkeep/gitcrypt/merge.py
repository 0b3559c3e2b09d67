"""The merge driver: git hands us three ciphertext blobs; we merge their plaintexts.

Git stores what the driver leaves in %A as the merged blob without running the clean filter,
so the result is encrypted again before it is written back. On conflict the markers end up in
the (smudged) work tree file, as with any text merge.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chartkeep.gitcrypt.blob import BlobError, encrypt, smudge
from chartkeep.gitcrypt.filter_process import Keys
from chartkeep.layout import private_tempdir


def merge_driver(keys: Keys, base: str, ours: str, theirs: str, marker_size: str, path: str) -> int:
    """Merge `theirs` into `ours` (rewritten in place); 0 when clean, 1 on conflicts."""
    key = keys.entry()
    sides = {name: Path(p).read_bytes() for name, p in (("base", base), ("ours", ours), ("theirs", theirs))}
    if key is None:
        raise BlobError(f"{path}: no key is configured to merge it: run `chartkeep unlock KEYFILE`")
    try:
        plain = {name: smudge(key, data) for name, data in sides.items()}
    except BlobError as error:
        raise BlobError(f"{path}: {error}") from None
    with private_tempdir("chartkeep-merge-") as tmp:
        for name, data in plain.items():
            (tmp / name).write_bytes(data)
        result = subprocess.run(
            [
                "git",
                "merge-file",
                f"--marker-size={int(marker_size or 7)}",
                "-L",
                f"{path} (ours)",
                "-L",
                f"{path} (base)",
                "-L",
                f"{path} (theirs)",
                str(tmp / "ours"),
                str(tmp / "base"),
                str(tmp / "theirs"),
            ],
            capture_output=True,
            check=False,
        )
        if result.returncode < 0 or result.returncode > 127:
            sys.stderr.write(f"chartkeep: {path}: cannot merge: {result.stderr.decode().strip()}\n")
            return 1
        merged = (tmp / "ours").read_bytes()
    # The path is encrypted by its attributes, so the result is too, even if a side was not.
    Path(ours).write_bytes(encrypt(key, merged))
    return 0 if result.returncode == 0 else 1
