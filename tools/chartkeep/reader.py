"""Read one record file: bytes → text → front matter + body sections, with line numbers.

This is the first stage of the pipeline (read → parse → load practice → check → report). It never
raises on bad input: every way a file can be unreadable is a `Problem` with its own code, and a
broken front matter block is an error, never an empty one.

The split is ours, not python-frontmatter's: its `parse` strips the text, keeps no line numbers
and falls back to empty metadata when it cannot split. tests/test_interop_frontmatter.py holds the
two equal on every well-formed record, so notes stay readable by tools built on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chartkeep import yamlstrict
from chartkeep.problems import Problem, problem

GITCRYPT_MAGIC = b"\x00GITCRYPT\x00"
BOM = "\ufeff"
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
ADDENDUM_PREFIX = "Addendum"


@dataclass(frozen=True)
class Section:
    """A `## Heading` of the body and the text under it, up to the next heading of its level."""

    title: str
    level: int
    line: int
    text: str

    @property
    def is_empty(self) -> bool:
        return not COMMENT.sub("", self.text).strip()


@dataclass
class RawRecord:
    """A file as read: front matter values with their lines, and the body's sections.

    A record loaded from the parse cache is slim (no body kept in memory or on disk twice):
    `body` and `sections` are then read again from `source` on first use.
    """

    path: str
    meta: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body_text: str | None = ""
    body_line: int = 1
    front_text: str = ""
    section_list: tuple[Section, ...] | None = ()
    problems: list[Problem] = field(default_factory=list)
    readable: bool = False
    source: str | None = None

    @property
    def body(self) -> str:
        if self.body_text is None:
            self._reload()
        return self.body_text or ""

    @property
    def sections(self) -> tuple[Section, ...]:
        if self.section_list is None:
            self.section_list = parse_sections(self.body, self.body_line)
        return self.section_list

    def drop_text(self) -> None:
        """Forget the body text (for the cache); `source` brings it back when asked."""
        self.body_text = None
        self.section_list = None
        self.front_text = ""
        self.problems = []

    def _reload(self) -> None:
        text = None
        if self.source:
            from chartkeep.layout import read_regular

            try:
                text, _ = decode(self.path, read_regular(self.source)[1])
            except OSError:
                text = None
        if text is None:
            self.body_text = ""
            return
        try:
            self.body_text = split_front_matter(text).body
        except SplitError:
            self.body_text = ""

    def line_of(self, key: str) -> int:
        """The line of a field (`risk.level`), falling back to its parent, then line 1."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return 1

    def section(self, title: str) -> Section | None:
        wanted = title.casefold()
        return next((s for s in self.sections if s.title.casefold() == wanted), None)


@dataclass(frozen=True)
class Split:
    """Where the front matter and body are in the text (lines are 1-based)."""

    front: str
    body: str
    front_line: int
    body_line: int


class SplitError(ValueError):
    def __init__(self, code: str, line: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.line = line


def split_front_matter(text: str) -> Split:
    """Split at the opening `---` on line 1 and the first closing `---`/`...` line."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise SplitError(
            "CK005",
            1,
            "no front matter: a record starts with a line '---', its fields, and a closing '---' "
            "(see `chartkeep schema` or the templates)",
        )
    for index in range(1, len(lines)):
        if _CLOSE.match(lines[index]):
            return Split(
                front="\n".join(lines[1:index]) + "\n",
                body="\n".join(lines[index + 1 :]),
                front_line=2,
                body_line=index + 2,
            )
    raise SplitError(
        "CK006",
        1,
        "the front matter opened on line 1 is never closed: add a line '---' after the last field",
    )


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes to text with LF line endings, or the reason they are not a record."""
    if not data.strip():
        return None, [problem("CK003", path, 0, "the file is empty: write the record or delete it")]
    if data.startswith(GITCRYPT_MAGIC):
        return None, [
            problem(
                "CK004",
                path,
                0,
                "the repository is locked (this file is git-crypt ciphertext): "
                "unlock it with your key: `chartkeep unlock KEYFILE`",
            )
        ]
    if b"\x00" in data[:8192]:
        return None, [
            problem("CK002", path, 0, "this is a binary file, not a Markdown record: move it out of notes/")
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [
            problem(
                "CK001",
                path,
                line,
                f"byte {data[error.start]:#04x} is not UTF-8: save the file as UTF-8 "
                "(in most editors: Save with Encoding → UTF-8)",
            )
        ]
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def read_record(path: str, data: bytes, source: str | None = None) -> RawRecord:
    """The whole first stage for one file. `path` is relative to the practice, with `/`;
    `source` is where the file is on disk, to read the body again for a slim record."""
    record = RawRecord(path=path, source=source)
    text, problems = decode(path, data)
    if text is None:
        record.problems = problems
        return record
    try:
        split = split_front_matter(text)
    except SplitError as error:
        record.problems = [problem(error.code, path, error.line, str(error))]
        return record
    loaded = yamlstrict.load(split.front, path, split.front_line)
    record.problems.extend(loaded.problems)
    record.front_text = split.front
    record.body_text = split.body
    record.body_line = split.body_line
    record.section_list = parse_sections(split.body, split.body_line)
    if loaded.value is None and not loaded.problems:
        loaded.value = {}
    if loaded.value is not None and not isinstance(loaded.value, dict):
        record.problems.append(
            problem(
                "CK008",
                path,
                split.front_line,
                "the front matter must be fields (`name: value` lines), not a "
                f"{type(loaded.value).__name__}",
            )
        )
        return record
    if isinstance(loaded.value, dict):
        record.meta = loaded.value
        record.lines = loaded.lines
        record.readable = not any(p.code in _FATAL for p in loaded.problems)
    return record


_FATAL = {"CK007", "CK010"}
_md = None


def _markdown() -> Any:
    """A block-level CommonMark parser: headings, fences and HTML blocks are all we need."""
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark").disable(["inline", "text_join"], ignoreInvalid=True)
    return _md


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
# What makes the line scan differ from CommonMark: fences, HTML blocks, setext underlines, tabs.
# A `<` opens an HTML block, except a comment closed on its own line (a template's prompt): that
# block is the line itself, which no heading scan mistakes for a heading.
_NOT_SIMPLE_LINE = r"(?: {0,3}(?:```|~~~|<(?!!--.*?-->)|=+[ \t]*$|-+[ \t]*$)| {1,3}#)"
_NOT_SIMPLE = re.compile(rf"^{_NOT_SIMPLE_LINE}|\t", re.M)
# The same lines found fast: searched from the newline before each (a literal prefix the regex
# engine skips to) instead of trying `^` at every character; the first line is matched apart.
_NOT_SIMPLE_LATER = re.compile(rf"\n{_NOT_SIMPLE_LINE}", re.M)


def _is_simple(body: str) -> bool:
    """`not _NOT_SIMPLE.search(body)`, at a fraction of the cost (a property test holds them equal)."""
    return "\t" not in body and not _NOT_SIMPLE.match(body) and not _NOT_SIMPLE_LATER.search(body)


def _heads_simple(body_lines: list[str]) -> list[tuple[int, int, int, str]]:
    heads = []
    for number, line in enumerate(body_lines):
        if line.lstrip(" ").startswith("#"):
            match = _ATX.match(line)
            if match:
                title = (match[2] or "").strip()
                if not title.strip("#"):
                    title = ""  # only a closing sequence: `## #`
                heads.append((number, number + 1, len(match[1]), title))
    return heads


def _heads_markdown_it(body: str) -> list[tuple[int, int, int, str]]:
    tokens = _markdown().parse(body)
    heads = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map and token.level == 0:
            title = tokens[index + 1].content.strip()
            heads.append((token.map[0], token.map[1], int(token.tag[1]), title))
    return heads


def parse_sections(body: str, body_line: int) -> tuple[Section, ...]:
    """Headings with their file lines and the text under each.

    Bodies with fences, HTML blocks, setext underlines or tabs go through markdown-it's block
    parser (its token map gives the lines); the usual note, ATX headings and paragraphs only, is
    scanned line by line, which gives the same headings (a property test holds the two equal)
    at a fraction of the cost.
    """
    if "#" not in body and "\n==" not in body and "\n--" not in body and not body.startswith(("=", "-")):
        return ()
    body_lines = body.split("\n")
    heads = _heads_simple(body_lines) if _is_simple(body) else _heads_markdown_it(body)
    sections = []
    for position, (start, end, level, title) in enumerate(heads):
        stop = len(body_lines)
        for later_start, _, later_level, _ in heads[position + 1 :]:
            if later_level <= level:
                stop = later_start
                break
        text = "\n".join(body_lines[end:stop])
        sections.append(Section(title=title, level=level, line=body_line + start, text=text))
    return tuple(sections)
