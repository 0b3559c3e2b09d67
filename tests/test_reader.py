"""The reader: YAML 1.1 traps read as the author meant, line numbers kept, no input ever raises."""

from __future__ import annotations

from chartkeep.practice import make_env, parse_file
from chartkeep.reader import read_record
from chartkeep.schema import STANDARD_NOTE_TYPES
from chartkeep.settings import Settings
from chartkeep.yamlstrict import resolve_plain
from hypothesis import given, settings
from hypothesis import strategies as st

ENV = make_env(Settings(), dict(STANDARD_NOTE_TYPES))


def test_yaml_11_traps_are_read_as_written() -> None:
    raw = read_record(
        "n.md",
        b"---\nstart: 10:15\nsuicidal: no\npos: 02\nmember_id: 0123\nok: true\nn: 7\nx: 1.5\n---\n",
    )
    assert raw.problems == []
    assert raw.meta == {
        "start": "10:15",
        "suicidal": "no",
        "pos": "02",
        "member_id": "0123",
        "ok": True,
        "n": 7,
        "x": 1.5,
    }


def test_plain_scalar_resolution() -> None:
    assert resolve_plain("") is None
    assert resolve_plain("~") is None
    assert resolve_plain("False") is False
    assert resolve_plain("yes") == "yes"
    assert resolve_plain("off") == "off"
    assert resolve_plain("0o17") == "0o17"
    assert resolve_plain("0x1F") == "0x1F"
    assert resolve_plain("-3") == -3
    assert resolve_plain("1e3") == 1000.0
    assert resolve_plain("F33.0") == "F33.0"
    assert resolve_plain("2026-01-02") == "2026-01-02"


def test_lines_for_nested_fields_and_sections() -> None:
    text = b"---\nrecord: note\nrisk:\n  suicidal: denied\n  level: low\n---\n\n## Plan\nSleep.\n"
    raw = read_record("n.md", text)
    assert raw.lines["risk.level"] == 5
    assert raw.line_of("risk.safety_plan") == 3  # falls back to its parent
    plan = raw.section("plan")
    assert plan is not None and plan.line == 8 and not plan.is_empty


def test_crlf_and_bom_keep_line_numbers() -> None:
    text = "\ufeff---\r\nrecord: note\r\nrisk:\r\n  level: low\r\n---\r\n## Plan\r\n".encode()
    raw = read_record("n.md", text)
    assert raw.lines["risk.level"] == 4
    assert raw.sections[0].line == 6


def test_setext_heading_and_fenced_code_are_understood() -> None:
    body = b"---\nrecord: note\n---\nPlan\n====\ntext\n\n```\n## Not a heading\n```\n"
    raw = read_record("n.md", body)
    assert [s.title for s in raw.sections] == ["Plan"]


def test_comment_only_section_is_empty() -> None:
    raw = read_record("n.md", b"---\nrecord: note\n---\n## Objective\n<!-- mood, affect\n  appearance -->\n")
    assert raw.sections[0].is_empty


def test_huge_alias_expansion_is_refused() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ) + "---\n"
    raw = read_record("n.md", bomb.encode())
    assert any(p.code == "CK011" for p in raw.problems)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_never_raise(data: bytes) -> None:
    from chartkeep.problems import CATALOGUE

    parsed = parse_file("notes/C0001/2026-01-01-soap.md", data, ENV)
    assert all(p.code in CATALOGUE and p.path.endswith(".md") for p in parsed.problems)
    assert parsed.record is not None or parsed.problems  # unusable input always says why


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["record", "type", "client", "date", "start", "risk", "measures",
                                         "signed", "goals", "diagnoses", "x"]), yaml_values, max_size=8))
def test_any_front_matter_never_raises(meta: dict) -> None:
    import yaml

    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n## Notes\ntext\n"
    parse_file("notes/C0001/2026-01-01-soap.md", text.encode(), ENV)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_any_text_in_front_matter_never_raises(text: str) -> None:
    parse_file("notes/C0001/2026-01-01-soap.md", f"---\n{text}\n---\n".encode(), ENV)


def test_regression_record_is_a_list() -> None:
    """Hypothesis finding: `record: []` once raised TypeError (unhashable) in validate."""
    parsed = parse_file("notes/C0001/2026-01-01-soap.md", b"---\nrecord: []\n---\n", ENV)
    assert [p.code for p in parsed.problems] == ["CK110"]


markdownish = st.lists(
    st.one_of(
        st.sampled_from(["", "text", "## Plan", "# Top", "### Sub ###", "####### seven", "#nospace", "## #",
                         "   ## Indented", "    ## code", "- item", "> quote", "## Plan #", "##", "#",
                         "para\n## heading", "* * *", "1. one", "## Trailing ##   ", "<!-- comment -->",
                         "<!-- prompt\n## inside\n-->", "<!-- a --> ## b", "  <!-- x -->\n## Plan",
                         "<!--x-->", "<!-->", "<!--->", "para\n<!-- c -->\n## h", "<!-- -- -->\n==="]),
        st.text(alphabet="#= -abc\n>*", max_size=12),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(markdownish)
def test_fast_heading_scan_matches_markdown_it(body: str) -> None:
    from chartkeep import reader

    if reader._NOT_SIMPLE.search(body):
        return  # those bodies go through markdown-it itself
    assert reader._heads_simple(body.split("\n")) == reader._heads_markdown_it(body)
