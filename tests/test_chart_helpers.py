"""A small practice for the chart tests: a generated one plus hand-made troubles."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

AS_OF = dt.datetime(2026, 11, 27, 12, 0)
AS_OF_TEXT = "2026-11-27T12:00"
PRIVATE_MARKER = "Zebracorn transference musing"
EXTERNAL_IMAGE = "https://tracker.example.com/pixel.png"
EXTERNAL_LINK = "https://evil.example.org/page"
UNREADABLE = "notes/C0001/2026-11-25-soap-9.md"


def make_practice(root: Path, notes: int = 40) -> dict[str, str]:
    """Write a practice into `root`; returns the paths of the hand-made records."""
    from chartkeep.demo_data import generate

    generate(root, notes, seed=3)
    soaps = sorted((root / "notes" / "C0001").glob("*-soap.md"))
    assert len(soaps) >= 2, "the generated practice should give C0001 two SOAP notes"
    broken, linked = soaps[-1], soaps[-2]
    text = broken.read_text()
    text = re.sub(r"(?m)^start: .*$", 'start: "10:00"', text)
    text = re.sub(r"(?m)^end: .*$", 'end: "10:10"', text)  # 10 minutes: CK202
    broken.write_text(text)
    text = linked.read_text()
    linked.write_text(
        text + f"\n\nSee ![pixel]({EXTERNAL_IMAGE}) and [a page]({EXTERNAL_LINK}) and "
        "<script>alert(1)</script>.\n"
    )
    private = root / "private" / "C0001" / "2026-11-20-7.md"
    private.parent.mkdir(parents=True, exist_ok=True)
    private.write_text(
        "---\nrecord: psychotherapy\nclient: C0001\ndate: 2026-11-20\nclinician: mokafor\n---\n\n"
        f"{PRIVATE_MARKER}: my own reactions.\n"
    )
    (root / UNREADABLE).write_text("---\nrecord: note\ntype: [soap\n---\n\n## Subjective\nx\n")
    return {
        "broken": broken.relative_to(root).as_posix(),
        "linked": linked.relative_to(root).as_posix(),
        "private": private.relative_to(root).as_posix(),
        "unreadable": UNREADABLE,
    }
