"""Front matter YAML, read the way the author meant it, with a line number for every field.

PyYAML's loaders follow YAML 1.1: `10:15` becomes 615, `no` becomes False, `0123` becomes 83 and a
duplicate key silently wins. We let libyaml (the C parser, fast) build the node tree and resolve
plain scalars ourselves by YAML 1.2 core rules with one more: numbers with a leading zero stay
strings, since in a record they are codes (`pos: 02`, `member_id: 0123`). Dates and times stay
strings; the schema checks their form. Anchors, aliases, merge keys, tags and complex keys have no
place in a progress note and are refused with their line.

Most front matter is a couple of dozen `key: value` lines, and building libyaml's node tree and
walking it costs several times more than reading them. So `load` first tries a line scan,
`load_simple`, of the subset front matter is written in: block mappings nested by indentation,
block sequences of scalars or of mappings, flow collections on one line (`[F33.0]`,
`{by: mo, at: "…"}`, one level of nesting: `{phq9: {total: 9}}`), plain scalars, quoted scalars
without escapes, comments and blank lines. Anything else it declines (None) and `load_libyaml`
reads, reporting the problems: tabs, backslashes, anchors, aliases, tags, `?` and `<<` keys,
block scalars, values over several lines, odd indentation, duplicate keys, document markers,
characters libyaml takes for line breaks. What the scan accepts it reads exactly as libyaml and
the walker do: plain scalars go through `resolve_plain`, strings are interned by the same rule,
and every key and item gets the same line. tests/test_yamlstrict_fast.py holds the two ways equal
on generated front matter, on near misses of it and on every example note. Lines repeat from note
to note (`risk:`, `  level: low`, `pos: "11"`), so what the scan made of a line is kept, up to a
bound, and the next note with that line costs a dictionary lookup for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import yaml

from chartkeep.problems import Problem, problem

try:  # libyaml is in every PyYAML wheel we pin; the pure-Python parser is the fallback
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_DEFAULT_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml's composer without PyYAML's YAML 1.1 tag guessing: we resolve scalars ourselves,
    so the per-scalar callback into the Python resolver is skipped."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return _DEFAULT_TAGS[kind]

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[1-9][0-9]*|0)?\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?(?:[1-9][0-9]*|0)[eE][-+]?[0-9]+")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:value",
}
MAX_NODES = 20_000
# Field names and short values ("denied", "in-person", "F33.0") repeat in every record: one
# shared string each keeps memory and the parse cache small.
INTERN_UP_TO = 24


@dataclass
class Loaded:
    """What the front matter says, where each field is, and what was wrong with it."""

    value: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def resolve_plain(text: str) -> Any:
    """A plain (unquoted) scalar by YAML 1.2 core rules, leading-zero numbers kept as text."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # over Python's 4,300-digit limit: no field holds such a number
            return text
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _plain(text: str) -> Any:
    """A plain scalar's value, interned when it is a short string."""
    value = resolve_plain(text)
    return intern(value) if isinstance(value, str) and len(value) <= INTERN_UP_TO else value


def _quoted(text: str) -> str:
    return intern(text) if len(text) <= INTERN_UP_TO else text


class _Walker:
    def __init__(self, path: str, line_offset: int, out: Loaded) -> None:
        self.path = path
        self.offset = line_offset
        self.out = out
        self.seen: set[int] = set()
        self.count = 0

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.offset

    def fail(self, code: str, node: yaml.Node, message: str) -> None:
        self.out.problems.append(problem(code, self.path, self.line(node), message))

    def convert(self, node: yaml.Node, key: str) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig
        if id(node) in self.seen:  # an alias: report it where it is used, not at its anchor
            self.out.problems.append(problem(
                "CK011",
                self.path,
                self.out.lines.get(key, self.line(node)),
                f"{key or 'front matter'}: anchors and aliases (&name, *name) are not allowed in a "
                "record; write the value out",
            ))
            return None
        self.seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            self.fail("CK011", node, f"{key or 'value'}: tag {node.tag!r} is not allowed; remove it")
            return None
        if isinstance(node, yaml.ScalarNode):
            if not node.style:  # None from PyYAML, "" from libyaml: a plain scalar
                return _plain(node.value)
            return _quoted(node.value)
        if isinstance(node, yaml.SequenceNode):
            items = []
            lines = self.out.lines
            for index, item in enumerate(node.value):
                child = f"{key}.{index}"
                lines[child] = item.start_mark.line + self.offset
                items.append(self.convert(item, child))
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key)
        return None  # pragma: no cover

    def mapping(self, node: yaml.MappingNode, key: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail("CK011", key_node, "complex keys are not allowed; use a plain name")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                self.fail("CK011", key_node, "merge keys (<<) are not allowed; write the fields out")
                continue
            name = intern(str(key_node.value))
            child = intern(f"{key}.{name}") if key else name
            if name in first_line:
                self.fail(
                    "CK009",
                    key_node,
                    f"{child!r} is given twice (first at line {first_line[name]}); "
                    "keep one and delete the other",
                )
                continue
            line = key_node.start_mark.line + self.offset
            first_line[name] = line
            self.out.lines[child] = line
            result[name] = self.convert(value_node, child)
        return result


class _TooBig(Exception):
    pass


# The fast path (see the module docstring). One regular expression reads a line, a second the
# items of a one-line flow collection; each accepts only text libyaml reads the same way, and
# whatever they do not match is declined.

# Characters both ways read alike: printable ASCII but the backslash (escapes) and the rest of the
# Basic Multilingual Plane but the byte order mark and \u2028, \u2029 (libyaml breaks lines at
# them, as at \x85). No tab (CK010), no control character, nothing above \uffff.
# (Written as the characters refused: a class with a range up to \uffff takes re milliseconds to
# compile, and the patterns below would pay that at every start of chartkeep.)
_UNSAFE = re.compile(
    "[\\x00-\\x1f\\\\\\x7f-\\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U00010000-\U0010ffff]"
)
# Each node but the root takes a character of the text at least (a null, its key's colon), so
# what the scan accepts never has MAX_NODES; nor, nested a few levels at most, meets the walker's
# recursion limit.
_SIMPLE_UP_TO = 16_384
_DEPTH = 16  # block levels; flow collections nest one level at most
# A plain key: a name, maybe with dots, dashes or inner spaces, of up to 128 characters (libyaml
# allows 1024). The walker uses a key's text as it is written: `no: x` is the key "no".
_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_. -]{0,126}[A-Za-z0-9_.-])?"
_DOUBLE = r'"[^"\\]*"'  # no escapes: the text between the quotes is the value
_SINGLE = r"'(?:[^']|'')*'"
# A plain scalar starts with no indicator (a `-` only before a letter or digit, as in -3) and holds
# no `"` or `#`; a `:` or spaces inside it come between two other characters. In a flow
# collection it holds none of `,:?[]{}` either. A word starts as no number can, so of
# resolve_plain's rules only the `_WORDS` (null, true, ...) apply to it.


def _or_beyond_ascii(allowed: str) -> str:
    """A class of the ASCII characters of class body `allowed` and of every other character,
    written as the ASCII characters it leaves out. (Non-ASCII ones reach these patterns only from
    lines _UNSAFE lets through: none above \uffff.)"""
    listed = re.compile(f"[{allowed}]")
    left_out = [c for c in range(128) if not listed.match(chr(c))]
    runs: list[list[int]] = []
    for code in left_out:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "[^" + "".join(f"\\x{a:02x}" + (f"-\\x{b:02x}" if b > a else "") for a, b in runs) + "]"


_WORD_FIRST = _or_beyond_ascii("A-Za-z_~(/$")
_OTHER_FIRST = r"(?:[0-9.+]|-(?=[0-9.A-Za-z]))"
_BLOCK_CHAR = _or_beyond_ascii("!$-9;-~")
_BLOCK_REST = rf"{_BLOCK_CHAR}*(?:(?::| +){_BLOCK_CHAR}+)*"
_FLOW_CHAR = _or_beyond_ascii("!$%&'()*+\\-./0-9;<=>@A-Z^_`a-z|~")
_FLOW_REST = rf"{_FLOW_CHAR}*(?: +{_FLOW_CHAR}+)*"
_FLOW_SCALAR = rf"{_DOUBLE}|{_SINGLE}|{_WORD_FIRST}{_FLOW_REST}|{_OTHER_FIRST}{_FLOW_REST}"
_FLAT_FLOW = (  # a flow collection of scalars
    rf"\[ *(?:(?:{_FLOW_SCALAR})(?: *, *(?:{_FLOW_SCALAR}))*)? *\]"
    rf"|\{{ *(?:{_KEY}: +(?:{_FLOW_SCALAR})(?: *, *{_KEY}: +(?:{_FLOW_SCALAR}))*)? *\}}"
)
_FLOW_NODE_TEXT = rf"{_FLOW_SCALAR}|{_FLAT_FLOW}"
_FLOW_COLLECTION = (  # a flow collection of scalars or of flow collections of scalars
    rf"\[ *(?:(?:{_FLOW_NODE_TEXT})(?: *, *(?:{_FLOW_NODE_TEXT}))*)? *\]"
    rf"|\{{ *(?:{_KEY}: +(?:{_FLOW_NODE_TEXT})(?: *, *{_KEY}: +(?:{_FLOW_NODE_TEXT}))*)? *\}}"
)
# A node of a flow collection, as one group per kind (double, single, word, other, collection),
# and a key with its node. In a collection _LINE matched, findall finds the same nodes, since
# each one ends only where a `,` or the closing bracket starts.
_FLOW_NODE = (
    rf"({_DOUBLE})|({_SINGLE})|({_WORD_FIRST}{_FLOW_REST})|({_OTHER_FIRST}{_FLOW_REST})"
    rf"|({_FLAT_FLOW})"
)
_FLOW_FIELD = rf"({_KEY}): +(?:{_FLOW_NODE})"
_LINE = (
    r" *#.*"  # a comment line
    rf"|( *)(- +)?(?:({_KEY}):(?= |$))? *"  # indent, the dash of a sequence item, a key
    rf"(?:({_DOUBLE})|({_SINGLE})|({_FLOW_COLLECTION})"  # and a value: quoted, a flow collection,
    rf"|({_WORD_FIRST}{_BLOCK_REST})|({_OTHER_FIRST}{_BLOCK_REST}))?"  # or plain,
    r"(?: +#.*)? *"  # maybe a comment after it
    r"|(.*)"  # anything else: declined
)
# Compiling these takes `re` tens of milliseconds, more than the fast path saves on a handful of
# records: a command that reads a few (new-note, sign) uses libyaml alone, and the fast path
# starts with the FAST_AFTER-th record of a process (both give the same result).
FAST_AFTER = 24
_loads = 0


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The line, flow node and flow field patterns, compiled on first use."""
    return re.compile(_LINE), re.compile(_FLOW_NODE), re.compile(_FLOW_FIELD)
_WORDS: dict[str, Any] = {
    **dict.fromkeys(_NULLS), **dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)
}
# What a line is: (indent, width of its `- `, key, kind, value), the value converted as the walker
# converts it; a flow collection's value is its shape (see _flow). Lines repeat from note to note
# (`risk:`, `  suicidal: denied`, `pos: "11"`), so the rows of the first lines seen are kept.
_BLANK, _BAD, _EMPTY, _SCALAR, _FLOW = range(5)
_Row = tuple[int, int, str, int, Any]
_BLANK_ROW: _Row = (-2, 0, "", _BLANK, None)
_BAD_ROW: _Row = (-2, 0, "", _BAD, None)
_ROWS: dict[str, _Row] = {}
_ROWS_UP_TO = 8192


class _Decline(Exception):
    """The fast path is not sure it reads the text as libyaml would."""


class _Block:
    """A block mapping or sequence being read, and the column its entries are at."""

    __slots__ = ("indent", "value", "path", "prefix", "is_list", "compact")

    def __init__(self, indent: int, value: Any, path: str, compact: bool = False) -> None:
        self.indent = indent
        self.value = value
        self.path = path
        self.prefix = f"{path}." if path else ""  # of its fields' paths
        self.is_list = type(value) is list
        # a sequence at its key's own column (`goals:` then `- G1`): a key at that column ends it
        self.compact = compact


def load_simple(text: str, first_line: int) -> Loaded | None:
    """What `load_libyaml` returns for front matter in the simple subset, or None for any other."""
    if len(text) > _SIMPLE_UP_TO:
        return None
    try:
        return _scan(text, first_line)
    except _Decline:
        return None


def _scan(text: str, first_line: int) -> Loaded:
    """Read the text line by line, as rows; raise _Decline at the first thing not in the subset."""
    lines: dict[str, int] = {}
    root: dict[str, Any] = {}
    stack = [_Block(0, root, "")]  # the blocks a line may be in, innermost last
    # The innermost mapping, its column and its fields' path prefix. Most lines are keys at that
    # column and go straight in; `here` is -1 while the next key cannot (after `key:`, or in a
    # sequence), and blank and declined rows have column -2, so they are looked at first.
    mapping: Any = root
    here, prefix = 0, ""
    pending: tuple[_Block, str, str] | None = None  # `key:` and nothing: null, or a block below
    rows = _ROWS
    number = first_line - 1
    for line in text.split("\n"):
        number += 1
        indent, dash, name, kind, value = rows.get(line) or _row(line)
        if indent != here or dash:
            if kind == _BLANK:
                continue  # a blank or comment line
            if kind == _BAD:
                raise _Decline
            block = _enter(stack, pending, indent, dash)
            pending = None
            if dash:
                items = block.value
                path = f"{block.path}.{len(items)}"
                lines[path] = number
                if not name:
                    items.append(_build(value, path, number, lines) if kind == _FLOW else value)
                    here = -1
                    continue
                # the first key of a mapping whose keys are all at its column
                block = _Block(indent + dash, {}, path)
                items.append(block.value)
                stack.append(block)
                if len(stack) > _DEPTH:
                    raise _Decline
            mapping, here, prefix = block.value, block.indent, block.prefix
        if name in mapping:
            raise _Decline  # a duplicate: the libyaml way reports it (CK009)
        path = intern(prefix + name) if prefix else name
        lines[path] = number
        if kind == _SCALAR:
            mapping[name] = value
        elif kind == _FLOW:
            mapping[name] = _build(value, path, number, lines)
        else:
            mapping[name] = None
            pending = stack[-1], name, path
            here = -1
    if not root:
        raise _Decline  # nothing but comments: rare, and libyaml's to read
    return Loaded(root, lines, [])


def _enter(stack: list[_Block], pending: tuple[_Block, str, str] | None, indent: int, dash: int) -> _Block:
    """The block a line at column `indent` goes in, a sequence for `- ` and a mapping for a key:
    the one opened by the key before it, or one already open (those deeper are closed)."""
    if pending is not None:
        parent, key, path = pending
        if indent > parent.indent or (dash and indent == parent.indent):
            block = _Block(indent, [] if dash else {}, path, compact=indent == parent.indent)
            parent.value[key] = block.value
            stack.append(block)
            if len(stack) > _DEPTH:
                raise _Decline
    while stack[-1].indent > indent:
        stack.pop()
    block = stack[-1]
    if block.indent != indent:
        raise _Decline  # between two levels
    if dash:
        if not block.is_list:
            raise _Decline
    elif block.is_list:
        if not block.compact:
            raise _Decline  # a key where a sequence goes on
        stack.pop()
        block = stack[-1]
    return block


def _row(line: str) -> _Row:
    """Read one line into its row, and keep the row for the next time the line is seen."""
    match = _patterns()[0].fullmatch(line)
    assert match is not None  # the last alternative matches any line
    spaces, dash, key, double, single, flow, word, other, bad = match.groups("")
    if _UNSAFE.search(line):
        row = _BAD_ROW
    elif not (key or dash):
        row = _BAD_ROW if bad or double or single or flow or word or other else _BLANK_ROW
    elif double or single or word or other:
        row = len(spaces), len(dash), intern(key), _SCALAR, _scalar(double, single, word, other)
    elif flow:
        try:
            row = len(spaces), len(dash), intern(key), _FLOW, _flow(flow)
        except _Decline:
            row = _BAD_ROW
    elif dash:
        row = _BAD_ROW  # `-` and nothing: a null item, or one on the lines below
    else:
        row = len(spaces), 0, intern(key), _EMPTY, None  # `key:`: null, or a block below
    if len(_ROWS) < _ROWS_UP_TO:  # the lines that repeat are among the first ones seen
        _ROWS[line] = row
    return row


def _scalar(double: str, single: str, word: str, other: str) -> Any:
    """A scalar matched by the patterns above, converted as _Walker.convert converts it."""
    if word:
        return _WORDS[word] if word in _WORDS else _quoted(word)
    if double:
        return _quoted(double[1:-1])
    if single:
        return _quoted(single[1:-1].replace("''", "'"))
    return _plain(other)


_Shape = tuple[bool, tuple[str, ...], tuple[Any, ...], bool]


def _flow(text: str) -> _Shape:
    """The shape of a flow collection matched by _LINE: is it a sequence, the suffixes of its
    nodes' paths (`.0` or `.name`), its items or (key, value) fields (a collection in it as its
    shape), and does it hold a collection."""
    end = len(text) - 1
    nested = False
    if text[0] == "[":
        items = []
        for double, single, word, other, collection in _patterns()[1].findall(text, 1, end):
            if collection:
                items.append(_flow(collection))
                nested = True
            else:
                items.append(_scalar(double, single, word, other))
        return True, tuple([f".{index}" for index in range(len(items))]), tuple(items), nested
    fields: dict[str, Any] = {}
    for key, double, single, word, other, collection in _patterns()[2].findall(text, 1, end):
        name = intern(key)
        if name in fields:
            raise _Decline  # a duplicate: the libyaml way reports it (CK009)
        if collection:
            fields[name] = _flow(collection)
            nested = True
        else:
            fields[name] = _scalar(double, single, word, other)
    return False, tuple([f".{name}" for name in fields]), tuple(fields.items()), nested


def _build(shape: _Shape, path: str, number: int, lines: dict[str, int]) -> Any:
    """A new flow collection from its shape, its nodes' lines recorded as the walker records them
    (a field's path interned, an item's not)."""
    is_sequence, suffixes, children, nested = shape
    if not nested:
        if is_sequence:
            for suffix in suffixes:
                lines[path + suffix] = number
            return list(children)
        for suffix in suffixes:
            lines[intern(path + suffix)] = number
        return dict(children)
    if is_sequence:
        items = []
        for suffix, item in zip(suffixes, children, strict=True):
            item_path = path + suffix
            lines[item_path] = number
            items.append(_build(item, item_path, number, lines) if type(item) is tuple else item)
        return items
    mapping = {}
    for suffix, (name, value) in zip(suffixes, children, strict=True):
        field_path = intern(path + suffix)
        lines[field_path] = number
        mapping[name] = _build(value, field_path, number, lines) if type(value) is tuple else value
    return mapping


def load(text: str, path: str, first_line: int) -> Loaded:
    """Parse front matter `text` that starts on file line `first_line` (1-based)."""
    global _loads
    _loads += 1
    simple = load_simple(text, first_line) if _loads >= FAST_AFTER else None
    return simple if simple is not None else load_libyaml(text, path, first_line)


def load_libyaml(text: str, path: str, first_line: int) -> Loaded:
    """Parse any front matter with libyaml and the walker; every problem is reported here."""
    out = Loaded()
    if "\t" in text:
        for number, line in enumerate(text.split("\n"), start=first_line):
            if "\t" in line:
                out.problems.append(
                    problem(
                        "CK010",
                        path,
                        number,
                        "tab character in front matter: YAML indents with spaces; "
                        "replace the tab with spaces",
                    )
                )
                return out
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = first_line + (mark.line if mark is not None else 0)
        what = (error.problem or "syntax error").strip()
        out.problems.append(
            problem(
                "CK007",
                path,
                where,
                f"YAML could not be read ({what}); check the indentation and quote values "
                'that contain ": " or start with a special character',
            )
        )
        return out
    except yaml.YAMLError as error:
        out.problems.append(problem("CK007", path, first_line, f"YAML could not be read ({error})"))
        return out
    except RecursionError:
        out.problems.append(problem("CK007", path, first_line, "YAML is nested too deeply"))
        return out
    if node is None:
        out.value = {}
        return out
    walker = _Walker(path, first_line, out)
    try:
        out.value = walker.convert(node, "")
    except (_TooBig, RecursionError):
        out.problems.append(
            problem("CK007", path, first_line, "front matter is too large or nested too deeply")
        )
        out.value = None
    return out
