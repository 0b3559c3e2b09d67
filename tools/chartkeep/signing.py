"""Signing as text edits: plain strings in, plain strings out, every byte the therapist wrote kept.

`chartkeep sign`, `addendum`, `attest` and `cosign` (commands/signing.py) read a note, call these
functions and write the result; the locking check and the pre-commit guard use `locked_change` to
decide whether a new text only *adds* to a signed one (addenda, a co-signature, an attestation),
as CMS PIM ch. 3 §3.3.2.5 requires: the original entry is never altered or deleted.

Front matter fields are inserted as whole lines before the closing `---`; nothing else in the
front matter is reformatted, so comments, quoting and key order survive signing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from chartkeep.checks.signatures import SIGNATURE_LINE, signature_line

ADDENDUM_HEADING = re.compile(
    r"^## Addendum (?P<at>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) — (?P<name>.+?), (?P<credential>[^,\r]+?)[ \t\r]*$",
    re.MULTILINE,
)
_ANY_ADDENDUM = re.compile(r"^##[ \t]+Addendum\b", re.MULTILINE)
_TOP_HEADING = re.compile(r"^#{1,2}[ \t]+\S", re.MULTILINE)
_FENCE = re.compile(r"^---[ \t]*\r?\n?$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?\n?$")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
# Front matter keys added after signing, by co-signature and attestation only.
LATER_KEYS = ("cosigned", "attestation")


class NoteFormatError(ValueError):
    """The text has no front matter block to sign (the checks say why in detail)."""


@dataclass(frozen=True)
class Parts:
    """A note split into its front matter lines (without the fences) and body, as written."""

    opening: str  # the first line, `---` with its line ending (and a BOM if there was one)
    front: tuple[str, ...]  # each line with its line ending
    closing: str  # the closing fence line
    body: str

    @property
    def newline(self) -> str:
        return "\r\n" if self.opening.endswith("\r\n") else "\n"

    def join(self) -> str:
        return self.opening + "".join(self.front) + self.closing + self.body

    @property
    def front_line(self) -> int:
        """The file line of the first front matter field."""
        return 2

    @property
    def body_line(self) -> int:
        return len(self.front) + 3


@dataclass(frozen=True)
class Addendum:
    """An `## Addendum` section at the end of a note: where it starts and whether it is signed."""

    heading: str
    at: str
    name: str
    credential: str
    start: int  # offset in the body
    text: str  # heading line to the end of the section

    @property
    def signed(self) -> bool:
        return SIGNATURE_LINE.search(self.text) is not None

    @property
    def written(self) -> bool:
        """Whether the author wrote anything under the heading."""
        rest = self.text.split("\n", 1)[1] if "\n" in self.text else ""
        return bool(re.sub(r"<!--.*?-->", "", rest, flags=re.DOTALL).strip())


@dataclass(frozen=True)
class Change:
    """Why a text is not its signed original plus additions, and the file line where it differs."""

    line: int
    reason: str


def split(text: str) -> Parts:
    """The note's parts, keeping line endings and any byte-order mark."""
    lines = text.splitlines(keepends=True)
    start = 1 if lines and lines[0].startswith("\ufeff") else 0
    first = lines[0][start:] if lines else ""
    if not lines or not _FENCE.match(first):
        raise NoteFormatError("no front matter: the note must start with a line '---'")
    for index in range(1, len(lines)):
        if _CLOSE.match(lines[index]):
            closing = lines[index]
            if not closing.endswith("\n"):
                closing += "\r\n" if lines[0].endswith("\r\n") else "\n"
            return Parts(
                opening=lines[0],
                front=tuple(lines[1:index]),
                closing=closing,
                body="".join(lines[index + 1 :]),
            )
    raise NoteFormatError("the front matter is never closed: add a line '---' after the last field")


def yaml_scalar(value: str) -> str:
    """A value as YAML: bare when it is a plain identifier, else a double-quoted (JSON) string."""
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def stamp(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M}"


def signature_field(key: str, by: str, at: dt.datetime, reason: str | None = None) -> str:
    """`signed: {by: jdoe, at: "2026-03-04T20:15"}` (and `reason` for an attestation)."""
    items = f"by: {yaml_scalar(by)}, at: {json.dumps(stamp(at))}"
    if reason is not None:
        items += f", reason: {json.dumps(reason, ensure_ascii=False)}"
    return f"{key}: {{{items}}}"


def insert_fields(text: str, fields: list[str]) -> str:
    """`fields` (whole YAML lines) inserted before the closing `---`; nothing else changes."""
    parts = split(text)
    front = list(parts.front)
    if front and not front[-1].endswith("\n"):
        front[-1] += parts.newline
    front.extend(field + parts.newline for field in fields)
    return Parts(parts.opening, tuple(front), parts.closing, parts.body).join()


def append_block(text: str, block: str) -> str:
    """`block` (one or more lines) after a blank line at the end of the text."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.endswith("\n"):
        text += newline
    if not text.endswith(newline * 2):
        text += newline
    return text + block.replace("\n", newline) + newline


def sign(text: str, by: str, name: str, credential: str, at: dt.datetime, *, late: bool) -> str:
    """The signed note: `signed:` (and `late: true`) in the front matter, the signature line last."""
    fields = [signature_field("signed", by, at)]
    if late:
        fields.append("late: true")
    signed = insert_fields(text, fields)
    return append_block(signed, signature_line(name, credential, at))


def addendum_heading(name: str, credential: str, at: dt.datetime) -> str:
    return f"## Addendum {at:%Y-%m-%d %H:%M} — {name}, {credential}"


def add_addendum(text: str, name: str, credential: str, at: dt.datetime) -> str:
    """A new, empty addendum section at the end of the note, for its author to write."""
    return append_block(text, addendum_heading(name, credential, at) + "\n")


def sign_addendum(text: str, name: str, credential: str, at: dt.datetime) -> str:
    """The signature line appended inside the last addendum (the end of the file)."""
    return append_block(text, signature_line(name, credential, at))


def addenda(body: str) -> list[Addendum]:
    """The `## Addendum` sections of a body, in order; each runs to the next one or the end."""
    found = list(ADDENDUM_HEADING.finditer(body))
    out = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(body)
        out.append(
            Addendum(
                heading=match.group(0),
                at=match["at"],
                name=match["name"],
                credential=match["credential"],
                start=match.start(),
                text=body[match.start() : end],
            )
        )
    return out


def open_addendum(text: str) -> Addendum | None:
    """The last addendum when it is not signed yet."""
    found = addenda(split(text).body)
    if found and not found[-1].signed:
        return found[-1]
    return None


def _later_blocks(front: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Front matter lines without the co-signature and attestation fields, and those fields."""
    kept: list[str] = []
    later: dict[str, str] = {}
    current: str | None = None
    for line in front:
        key = re.match(r"([A-Za-z_][\w-]*)[ \t]*:", line)
        if key and not line[:1].isspace():
            current = key[1] if key[1] in LATER_KEYS else None
        elif line.strip() and not line[:1].isspace():
            current = None
        if current is not None:
            later[current] = later.get(current, "") + line.rstrip("\r\n") + "\n"
        else:
            kept.append(line.rstrip("\r\n"))
    return kept, later


def locked_body(body: str) -> str:
    """The part of a body that a signature locks: all of it but a trailing unsigned addendum."""
    found = addenda(body)
    if found and not found[-1].signed:
        return body[: found[-1].start]
    return body


def locked_change(signed_text: str, text: str) -> Change | None:
    """None when `text` is `signed_text` plus additions a signed note may receive: addenda at
    the end, a co-signature and an attestation in the front matter (and edits to an addendum
    that was still unsigned in `signed_text`); else where and how it differs.

    Line endings and trailing blank lines are not content: an editor that converts CRLF or trims
    the last newline does not break the lock."""
    signed_text = signed_text.replace("\r\n", "\n").lstrip("\ufeff")
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    try:
        old = split(signed_text)
    except NoteFormatError:
        return None  # nothing recognisable was signed
    try:
        new = split(text)
    except NoteFormatError:
        return Change(1, "the front matter block was removed or broken")
    old_front, old_later = _later_blocks(old.front)
    new_front, new_later = _later_blocks(new.front)
    if old_front != new_front:
        line = _first_difference(old_front, new_front)
        return Change(new.front_line + line, f"front matter line {new.front_line + line} differs")
    for key, block in old_later.items():
        if new_later.get(key) != block:
            return Change(new.front_line, f"the {key}: field was changed or removed")
    locked = locked_body(old.body).rstrip()
    if not new.body.startswith(locked):
        line = _first_difference(locked.split("\n"), new.body.split("\n"))
        return Change(new.body_line + line, f"the signed text differs at line {new.body_line + line}")
    rest = new.body[len(locked) :]
    if rest.strip() and not rest.lstrip().startswith("## Addendum"):
        line = new.body_line + new.body.count("\n", 0, len(locked)) + 1
        return Change(line, f"text was added at line {line} outside an addendum")
    for heading in _TOP_HEADING.finditer(rest):
        line = new.body_line + new.body.count("\n", 0, len(locked) + heading.start())
        if not _ANY_ADDENDUM.match(rest, heading.start()):
            return Change(line, f"a new section at line {line} is not an addendum")
        if not ADDENDUM_HEADING.match(rest, heading.start()):  # an addendum is dated and signed for
            return Change(
                line,
                f"the addendum at line {line} has no date and author in its heading: "
                "start addenda with `chartkeep addendum NOTE`",
            )
    return None


def _first_difference(old: list[str], new: list[str]) -> int:
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return index
    return min(len(old), len(new))
