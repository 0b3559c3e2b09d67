"""ICD-10-CM codes from the official release shipped by `simple-icd-10-cm`, loaded fast.

Importing that package costs over a second and ~190 MB, so the first use builds a compact index
(code, billable flag, description) in the user's cache directory, named by the package's version
and our index format; every later run loads only that file.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

INDEX_FORMAT = 2
_WRITTEN = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")


@dataclass(frozen=True)
class Lookup:
    """What a written code is: billable, a category header (with its billable codes), or unknown."""

    code: str
    valid: bool
    billable: bool
    canonical: str | None = None
    description: str = ""
    billable_children: tuple[str, ...] = ()


def _package_version() -> str:
    """simple-icd-10-cm's version, from its install record's folder name when it sits beside the
    package (importing importlib.metadata to ask costs more than checking a note)."""
    import importlib.util

    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob("simple_icd_10_cm-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("simple_icd_10_cm-").removesuffix(".dist-info")
    from importlib import metadata

    return metadata.version("simple-icd-10-cm")


def index_path(kind: str = "codes") -> Path:
    """`codes` (code and billable flag: what the checks need) or `descriptions` (the chart)."""
    version = _package_version()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chartkeep"
    return base / f"icd10cm-{version}-v{INDEX_FORMAT}-{kind}.tsv"


def build_index() -> None:
    """Write both index files from the official code set (slow: once per package version)."""
    import simple_icd_10_cm as cm

    from chartkeep.layout import atomic_write

    codes, descriptions = [], []
    for code in cm.get_all_codes(True):
        if cm.is_chapter_or_block(code):
            continue
        codes.append(f"{code}\t{'L' if cm.is_leaf(code) else 'H'}")
        text = cm.get_description(code).replace("\t", " ").replace("\n", " ")
        descriptions.append(f"{code}\t{text}")
    index_path().parent.mkdir(parents=True, exist_ok=True)
    atomic_write(index_path("descriptions"), "\n".join(descriptions) + "\n", mode=0o644)
    atomic_write(index_path("codes"), "\n".join(codes) + "\n", mode=0o644)


def _rows(kind: str) -> list[list[str]]:
    path = index_path(kind)
    if not path.exists():
        build_index()
    return [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()]


@lru_cache(maxsize=1)
def _codes_text() -> str:
    """The codes index as it is stored ("\nCODE\tL" for a billable code, H for a category):
    a practice writes a few dozen codes, each found with one search of this text, far sooner than
    a table of all 74,000 is built (what `check NOTE` would pay on every save)."""
    path = index_path("codes")
    if not path.exists():
        build_index()
    return "\n" + path.read_text(encoding="utf-8")


def _billable(code: str) -> bool | None:
    """Whether `code` is billable (None: not a code)."""
    text = _codes_text()
    at = text.find(f"\n{code}\t") if "\n" not in code and "\t" not in code else -1
    return None if at < 0 else text[at + len(code) + 2] == "L"


@lru_cache(maxsize=1)
def _codes() -> dict[str, bool]:
    return {code: flag == "L" for code, flag in _rows("codes")}


@lru_cache(maxsize=1)
def _billable_sorted() -> list[str]:
    """Every billable code, sorted: a category's billable codes are one run of it."""
    return sorted(code for code, leaf in _codes().items() if leaf)


@lru_cache(maxsize=1)
def _descriptions() -> dict[str, str]:
    return dict((code, text) for code, text in _rows("descriptions"))


def canonical(written: str) -> str:
    """`f 33.1` → `F33.1`, `F4310` → `F43.10`: how the code should be written."""
    code = re.sub(r"\s+", "", written).upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


@lru_cache(maxsize=4096)  # a practice writes the same few codes over and over
def lookup(written: str) -> Lookup:
    code = canonical(written)
    billable = _billable(code)
    if billable is None:
        return Lookup(written, valid=False, billable=False)
    children: tuple[str, ...] = ()
    if not billable:
        prefix = code if "." in code else code + "."
        leaves = _billable_sorted()
        first = last = bisect.bisect_left(leaves, prefix)
        while last < len(leaves) and leaves[last].startswith(prefix):
            last += 1
        children = tuple(leaves[first:last])
    return Lookup(
        written,
        valid=True,
        billable=billable,
        canonical=code if code != written else None,
        billable_children=children,
    )


def description(code: str) -> str:
    """The official description of a code ("" when unknown); loads the larger index once."""
    return _descriptions().get(canonical(code), "")


def looks_like_code(written: str) -> bool:
    return bool(_WRITTEN.fullmatch(written))
