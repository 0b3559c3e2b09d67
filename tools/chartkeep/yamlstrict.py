"""Front matter YAML, read the way the author meant it, with a line number for every field.

PyYAML's loaders follow YAML 1.1: `10:15` becomes 615, `no` becomes False, `0123` becomes 83 and a
duplicate key silently wins. We let libyaml (the C parser, fast) build the node tree and resolve
plain scalars ourselves by YAML 1.2 core rules with one more: numbers with a leading zero stay
strings, since in a record they are codes (`pos: 02`, `member_id: 0123`). Dates and times stay
strings; the schema checks their form. Anchors, aliases, merge keys, tags and complex keys have no
place in a progress note and are refused with their line.
"""

from __future__ import annotations

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
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


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
                value = resolve_plain(node.value)
                return intern(value) if isinstance(value, str) and len(value) <= INTERN_UP_TO else value
            return intern(node.value) if len(node.value) <= INTERN_UP_TO else node.value
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


def load(text: str, path: str, first_line: int) -> Loaded:
    """Parse front matter `text` that starts on file line `first_line` (1-based)."""
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
