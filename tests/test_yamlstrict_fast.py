"""The front matter fast path reads what it accepts exactly as the libyaml path does.

`yamlstrict.load_simple` may decline any text (None); when it accepts, its value (types and key
order included), its field lines and its interning must be those of `yamlstrict.load_libyaml`,
with no problems. Generated front matter and its near misses, every example note and the named
regression cases below hold it to that.
"""

from __future__ import annotations

import string
import sys
from pathlib import Path
from typing import Any

import pytest
from chartkeep import yamlstrict
from chartkeep.reader import SplitError, decode, split_front_matter
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def typed(value: Any) -> Any:
    """A value with every type and key order spelled out, so 1 == 1.0 == True cannot hide."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def strings(value: Any, keys: bool) -> list[str]:
    """The keys (keys=True) or the string values anywhere in `value`."""
    if isinstance(value, dict):
        found = [key for key in value] if keys else []
        return found + [s for item in value.values() for s in strings(item, keys)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item, keys)]
    return [] if keys or not isinstance(value, str) else [value]


def same_as_libyaml(text: str, first_line: int = 2) -> bool:
    """Check the fast path against the libyaml path on `text`; True when it accepted it."""
    slow = yamlstrict.load_libyaml(text, "n.md", first_line)
    fast = yamlstrict.load_simple(text, first_line)
    if fast is None:
        return False
    assert fast.problems == [] and slow.problems == [], slow.problems
    assert typed(fast.value) == typed(slow.value)
    assert list(fast.lines.items()) == list(slow.lines.items())
    # Interned as the walker interns: every key, and strings up to INTERN_UP_TO characters (the
    # libyaml path has just interned its own copies, so a copy the fast path left alone shows).
    for key in strings(fast.value, keys=True):
        assert sys.intern(key) is key, key
    for text_value in strings(fast.value, keys=False):
        if len(text_value) <= yamlstrict.INTERN_UP_TO:
            assert sys.intern(text_value) is text_value, text_value
    expected = typed(slow.value)
    empty(fast.value)  # callers may change what they are given: the kept rows must not change
    again = yamlstrict.load_simple(text, first_line)
    assert again is not None and typed(again.value) == expected
    assert list(again.lines.items()) == list(slow.lines.items())
    return True


def empty(value: Any) -> None:
    """Empty every list and dict in `value`, innermost first."""
    if isinstance(value, dict | list):
        for item in list(value.values() if isinstance(value, dict) else value):
            empty(item)
        value.clear()


# Named regression cases: each is either accepted and equal, or declined.
ACCEPTED = {
    "typical soap note": (
        'record: note\ntype: soap\nclient: C0214\ndate: 2026-04-09\nstart: "10:35"\nend: "11:27"\n'
        'service: "90834"\naddons: []\nmodifiers: []\npos: "11"\nmodality: in-person\n'
        "client_location: null\naudio_only_reason: null\ndiagnoses: [F41.1]\ngoals: [G1, G2]\n"
        "risk:\n  suicidal: denied\n  homicidal: denied\n  level: low\nmeasures:\n"
        "  phq9: {total: 9, item9: 0}\n  gad7: {total: 12}\nclinician: dreyes\nsession: 34\n"
        'next_appointment: 2026-04-16\ntemplate: soap@1\nsigned: {by: dreyes, at: "2026-04-10T10:00"}\n'
    ),
    "yaml 1.1 traps": "start: 10:15\nsuicidal: no\npos: 02\nmember_id: 0123\nok: true\nn: 7\nx: 1.5\n",
    "weird scalars": "a: 1e3\nb: .5\nc: 0x1F\nd: +1\ne: -0\nf: 1_000\ng: ~\nh: True\ni: yes\nj: -.5e-3\n",
    "nulls": "a:\nb: null\nc: ~\nd: NULL\ne:   # nothing\n",
    "quotes": "a: \"it's\"\nb: 'it''s'\nc: ''\nd: \"\"\ne: '#not a comment'\nf: \"a # b\"\n",
    "comments and blanks": "# first\n\na: 1  # one\n   # indented\nb:\n  # inside\n  c: 2\n\n",
    "nested flows": "measures: {phq9: {total: 11, item9: 0}, gad7: {total: 3}}\nx: [[a, b], {c: d}, []]\n",
    "flow spacing": "a: [ a , b ]\nb: {  x:  1 ,y: 2 }\nc: [ ]\nd: { }\ne: [a,b]\n",
    "keys as written": "no: 1\ntrue: 2\n1: 3\na.b: 4\nfirst name: 5\nnull: 6\n2026-01-01: 7\n",
    "block sequences": "goals:\n- a\n- 2\n-   c\nplan:\n  - id: G1\n    text: x\n  - id: G2\n    tags:\n    - t\n",
    "compact sequence of mappings": "goals:\n- id: G1\n  text: one\n- id: G2\nnext: 1\n",
    "deeper blocks": "a:\n    b:\n        c: 1\n    d: 2\ne: 3\n",
    "apostrophes and punctuation": "a: client's home, Joliet IL\nb: 7:03 PM\nc: soap@1\nd: (a) b/c; d!\n",
    "unicode": "name: Maëlle Hargreave\nplace: Zürich\nmark: a\u00a0b\n",
    "trailing spaces": "a: b   \nc:   \nd: [x]  \n",
    "no final newline": "a: b",
    "one line under two parents": "r:\n  a: [x]\n  b: {c: 1}\ns:\n  a: [x]\n  b: {c: 1}\na: [x]\n",
}
DECLINED = {
    "tab": "a:\t1\n",
    "escape": 'a: "a\\"b"\n',
    "anchor": "a: &x 1\nb: *x\n",
    "tag": "a: !!str 1\n",
    "merge": "base: {a: 1}\nc:\n  <<: {a: 1}\n",
    "complex key": "? a\n: b\n",
    "block scalar": "a: |\n  text\n",
    "folded scalar": "a: >\n  text\n",
    "multi-line plain": "a: one\n  two\n",
    "multi-line flow": "a: [x,\n  y]\n",
    "duplicate": "a: 1\na: 2\n",
    "duplicate nested": "r:\n  a: 1\n  a: 2\n",
    "duplicate in flow": "r: {a: 1, a: 2}\n",
    "odd indentation": "r:\n  a: 1\n b: 2\n",
    "document marker": "a: 1\n---\nb: 2\n",
    "colon space in value": "a: b: c\n",
    "hash without space": "a: C#\n",
    "quote inside plain": 'a: say "hi"\n',
    "trailing comma": "a: [x, y,]\n",
    "deep flow": "a: {b: {c: {d: e}}}\n",
    "list at top": "- a\n- b\n",
    "scalar at top": "just a sentence\n",
    "indented top": "  a: 1\n",
    "only comments": "# nothing\n",
    "line separator": "a: x\u2028y\n",
    "byte order mark": "a: \ufeffx\n",
    "beyond the plane": "a: \U0001f600\n",
    "null item": "a:\n-\n- b\n",
    "key where a sequence goes on": "a:\n  - x\n  b: 1\n",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_cases(name: str) -> None:
    assert same_as_libyaml(ACCEPTED[name]), f"the fast path declined {name!r}"
    assert yamlstrict.load(ACCEPTED[name], "n.md", 2) == yamlstrict.load_libyaml(ACCEPTED[name], "n.md", 2)


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_declined_cases(name: str) -> None:
    assert yamlstrict.load_simple(DECLINED[name], 2) is None
    assert yamlstrict.load(DECLINED[name], "n.md", 2) == yamlstrict.load_libyaml(DECLINED[name], "n.md", 2)


# Generated front matter: the subset, with odd scalars and keys, then mutated into near misses.
SAFE_WORDS = ["note", "soap", "C0214", "denied", "in-person", "F41.1", "soap@1", "G1", "dreyes"]
ODD_SCALARS = [
    "1e3", ".5", "0x1F", "+1", "-0", "1_000", "~", "True", "yes", "no", "off", "2026-01-01",
    "10:15", "7:03 PM", "null", "Null", "NULL", "0123", "-.5", "1.", "+.5e3", "-", "- a", "a #b",
    "a#b", "a: b", "a:", ":a", "?a", "!x", "&a x", "*a", "|", ">", "%x", "@x", "`x", "a,b",
    "a, b", "a  b", "C#", "é", "\u00a0x", "…", "it's", "'", '"', "''", '""', "'it''s'", '"a\\"b"',
    '"a"b', "'a'b'", "[]", "{}", "[ ]", "[a]", "[a, [b]]", "{a: {b: c}}", "[a, b,]", "[a,,b]",
    "{a: 1}", "{a:1}", "{a: }", "{a}", "[a: b]", '["a", \'b\']', '{"a": 1}', "{a: 1, a: 2}",
    "[a] b", "{a: [b, {c: d}]}", "x\u2028y", "(a)", "$x", "a/b", "-a", "-1", "+", "...", "a: #",
]
ODD_KEYS = [
    "no", "true", "null", "1", "a.b", "a b", "a  b", "-a", "a-", "_", "<<", "?x", '"q"', "'q'", "a:b", "é",
]
NICE = string.ascii_letters + string.digits + " -_.:'/(),@"
ODD = NICE + "#\"[]{}&*!|>%`?~\\\u00a0é\u2028\ufeff\t"


def weighted(*choices: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    return st.one_of([strategy for weight, strategy in choices for _ in range(weight)])


keys = weighted(
    (6, st.sampled_from(["record", "type", "client", "risk", "level", "goals", "a", "b", "c"])),
    (1, st.sampled_from(ODD_KEYS)),
    (1, st.text(alphabet=string.ascii_lowercase + "_.- 0", min_size=1, max_size=6)),
)
plain_texts = weighted(
    (4, st.sampled_from(SAFE_WORDS)),
    (2, st.integers(-1000, 100000).map(str)),
    (2, st.sampled_from(ODD_SCALARS)),
    (2, st.text(alphabet=NICE, min_size=1, max_size=8)),
    (1, st.text(alphabet=ODD, min_size=1, max_size=8)),
)
scalars = weighted(
    (3, plain_texts),
    (1, plain_texts.map(lambda text: f'"{text}"')),
    (1, plain_texts.map(lambda text: "'" + text.replace("'", "''") + "'")),
)
flow_scalars = weighted((3, st.sampled_from(SAFE_WORDS)), (1, st.integers(-5, 500).map(str)), (2, scalars))
flows = st.one_of(
    st.lists(flow_scalars, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(st.tuples(keys, flow_scalars), max_size=3).map(
        lambda fields: "{" + ", ".join(f"{k}: {v}" for k, v in fields) + "}"
    ),
    st.lists(st.lists(flow_scalars, max_size=2), max_size=3).map(
        lambda items: "[" + ", ".join("[" + ", ".join(i) + "]" for i in items) + "]"
    ),
    st.lists(st.tuples(keys, st.lists(st.tuples(keys, flow_scalars), max_size=2)), max_size=2).map(
        lambda fields: "{"
        + ", ".join(f"{k}: {{" + ", ".join(f"{a}: {b}" for a, b in v) + "}" for k, v in fields)
        + "}"
    ),
)
values = weighted((4, scalars), (2, flows), (1, st.just("")))
# Front matter as the templates write it: these keys and values are all in the subset.
nice_keys = st.from_regex(r"[a-z_][a-z0-9_.-]{0,6}", fullmatch=True)
nice_scalars = st.one_of(
    st.sampled_from(SAFE_WORDS + ["null", "~", "true", "False", "1.5", "-3", "2026-01-01", "0123"]),
    st.integers(-1000, 100000).map(str),
    st.from_regex(r"[A-Za-z][A-Za-z0-9 .,'/()@-]{0,12}[A-Za-z0-9.)]", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9 .,:#'/()@-]{0,12}", fullmatch=True).map(lambda text: f'"{text}"'),
)
nice_values = weighted(
    (4, nice_scalars),
    (1, st.lists(nice_scalars, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")),
    (1, st.lists(st.tuples(nice_keys, nice_scalars), max_size=3, unique_by=lambda kv: kv[0]).map(
        lambda fields: "{" + ", ".join(f"{k}: {v}" for k, v in fields) + "}"
    )),
    (1, st.just("")),
)
extras = st.sampled_from(["", "", "", "  ", " # note", "   #", "#x", " "])
nice_extras = st.sampled_from(["", "", "", "  ", " # note", "   #"])


@st.composite
def block(draw: st.DrawFn, indent: int, depth: int, nice: bool) -> list[str]:
    """The lines of a block mapping at column `indent`; `nice` ones only use the subset."""
    key_strategy, value_strategy = (nice_keys, nice_values) if nice else (keys, values)
    extra = nice_extras if nice else extras
    out: list[str] = []
    used: set[str] = set()
    step = draw(st.sampled_from([2, 2, 4, 1, 3]))
    for _ in range(draw(st.integers(1, 5))):
        key = draw(key_strategy)
        if nice and key in used:
            continue
        used.add(key)
        if draw(st.integers(0, 9)) == 0:
            out.append(" " * draw(st.integers(0, indent + 2)) + draw(st.sampled_from(["# c", "", "  "])))
        shape = draw(st.integers(0, 9)) if depth < 3 else 0
        if shape == 8:  # a nested mapping
            out.append(" " * indent + f"{key}:" + draw(extra))
            out.extend(draw(block(indent + step, depth + 1, nice)))
        elif shape == 9:  # a block sequence, of scalars or of mappings
            out.append(" " * indent + f"{key}:" + draw(extra))
            column = indent + draw(st.sampled_from([0, step]))
            for _ in range(draw(st.integers(1, 3))):
                if draw(st.booleans()):
                    value = draw(value_strategy) or "x"
                    out.append(" " * column + "- " + value + draw(extra))
                else:
                    inner = draw(block(column + 2, depth + 1, nice))
                    out.append(" " * column + "- " + inner[0].lstrip(" "))
                    out.extend(inner[1:])
        else:
            value = draw(value_strategy)
            out.append(" " * indent + f"{key}:" + (f" {value}" if value else "") + draw(extra))
    return out


def mutate(lines: list[str], data: st.DataObject) -> list[str]:
    """A near miss: a character added, dropped or swapped, a line moved, indented or doubled."""
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        how = data.draw(st.integers(0, 6))
        position = data.draw(st.integers(0, len(line)))
        if how == 0:
            lines[at] = line[:position] + data.draw(st.sampled_from(ODD + "\n")) + line[position:]
        elif how == 1 and line:
            lines[at] = line[:position] + line[position + 1 :]
        elif how == 2:
            lines[at] = " " * data.draw(st.integers(1, 3)) + line
        elif how == 3:
            lines[at] = line[1:] if line.startswith(" ") else line
        elif how == 4:
            lines.insert(at, line)
        elif how == 5:
            lines.insert(at, data.draw(st.sampled_from(["---", "...", "- x", "%YAML 1.2", "  - y", "? k"])))
        else:
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    return lines


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_generated_front_matter(data: st.DataObject) -> None:
    lines = data.draw(block(0, 0, nice=data.draw(st.booleans())))
    text = "\n".join(lines) + data.draw(st.sampled_from(["\n", "", "\n\n"]))
    event("accepted" if same_as_libyaml(text, data.draw(st.integers(1, 3))) else "declined")


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_near_misses(data: st.DataObject) -> None:
    text = "\n".join(mutate(data.draw(block(0, 0, nice=data.draw(st.booleans()))), data)) + "\n"
    event("accepted" if same_as_libyaml(text) else "declined")


EXAMPLES = sorted((ROOT / "examples" / "practice").rglob("*.md"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXAMPLES), st.data())
def test_near_misses_of_example_notes(path: Path, data: st.DataObject) -> None:
    front = split_front_matter(path.read_text(encoding="utf-8")).front
    text = "\n".join(mutate(front.split("\n"), data))
    event("accepted" if same_as_libyaml(text) else "declined")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ODD + "\n", max_size=60))
def test_any_text(text: str) -> None:
    same_as_libyaml(text)


# Every example note: the fast path reads them as libyaml does, and takes nearly all of them.
def front_matters(root: Path, every: int = 1) -> list[tuple[Path, str, int]]:
    found = []
    for path in sorted(root.rglob("*.md"))[::every]:
        text, _ = decode(str(path), path.read_bytes())
        if text is None:
            continue
        try:
            split = split_front_matter(text)
        except SplitError:
            continue
        found.append((path, split.front, split.front_line))
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A practice from the benchmarks' generator (every record kind, varied front matter)."""
    from chartkeep.demo_data import generate

    return generate(tmp_path_factory.mktemp("generated") / "p", notes=700, seed=3, workers=1).root


@pytest.mark.parametrize(
    ("root", "every"),
    [(DATA, 1), (ROOT / "examples" / "practice", 1), (ROOT / "templates", 1), ("generated", 1)],
    ids=["tests-data", "examples-practice", "templates", "generated-practice"],
)
def test_example_notes(root: Path | str, every: int, request: pytest.FixtureRequest) -> None:
    if root == "generated":
        root = request.getfixturevalue("generated")
    assert isinstance(root, Path)
    notes = front_matters(root, every)
    assert notes, f"no notes under {root}"
    accepted = [path for path, front, line in notes if same_as_libyaml(front, line)]
    if root != DATA:  # tests/data holds broken front matter on purpose
        declined = len(notes) - len(accepted)
        assert declined <= 0.05 * len(notes), f"the fast path declined {declined} of {len(notes)} notes"


def test_character_classes_written_for_a_fast_start_mean_what_they_say() -> None:
    """The classes are written as what they leave out (a range up to \\uffff costs `re` much
    time to compile at every start); over every character they equal the plain definitions."""
    import re

    allowed = re.compile(r"[\x20-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
    assert all(
        bool(yamlstrict._UNSAFE.match(chr(c))) != bool(allowed.match(chr(c))) for c in range(0x110000)
    )
    plain = {
        "_WORD_FIRST": r"[A-Za-z_~(/$\x80-\uffff]",
        "_BLOCK_CHAR": r"[!$-9;-~\x80-\uffff]",
        "_FLOW_CHAR": r"[!$%&'()*+\-./0-9;<=>@A-Z^_`a-z|~\x80-\uffff]",
    }
    for name, definition in plain.items():
        ours, theirs = re.compile(getattr(yamlstrict, name)), re.compile(definition)
        assert all(bool(ours.match(chr(c))) == bool(theirs.match(chr(c))) for c in range(0x10000)), name
