"""The parse stage's fast paths give exactly what the plain code they stand in for gives.

Each fast path (a regex the engine can skip ahead with, a search tried only where a match can
begin, sentences normalised without splitting words) is held equal here to the plain version,
written out as it was, on texts built to reach the edge cases: tabs, fences and setext lines,
letters that IGNORECASE folds unlike str.lower() (ı, ſ, İ, K), the Greek final sigma, other
whitespace than spaces.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import sys
import zlib
from array import array

from chartkeep import icd10, reader, schema
from chartkeep.checks import features, privacy, quality, signatures
from chartkeep.model import ProgressNote
from chartkeep.reader import COMMENT, RawRecord
from hypothesis import example, given, settings
from hypothesis import strategies as st


def _joined(fragments: list[str], separators: list[str]) -> st.SearchStrategy[str]:
    pieces = st.lists(st.tuples(st.sampled_from(fragments), st.sampled_from(separators)), max_size=14)
    return pieces.map(lambda items: "".join(f + s for f, s in items))


# --- heading scan: which bodies are simple --------------------------------------------------------

block_lines = st.lists(
    st.one_of(
        st.sampled_from(["", "text", "## Plan", "```", "~~~", "  ```", "    ```", "<div>", "   <!-- x -->",
                         "===", "  ==  ", "---", "-- -", "\t", "a\tb", " # x", "   ## x", "    # x", "#", "=",
                         "-", "para", "==x", "--x"]),
        st.text(alphabet="#=-~`< \tab", max_size=8),
    ),
    max_size=8,
).map("\n".join)


@settings(max_examples=500, deadline=None)
@given(block_lines)
@example("```\n## x")
@example("  # a\n")
@example("x\n===")
@example("x\n  ---  ")
@example("\n<div>")
@example("")
def test_is_simple_is_the_not_simple_regex(body: str) -> None:
    assert reader._is_simple(body) == (reader._NOT_SIMPLE.search(body) is None)


# --- wording: search only where a match can begin ---------------------------------------------------

WORDING = ["seems", "SEEMS", "\u017feems", "seemed", "appears", "Appeared", "appear", "does", "DOES", "not",
           "currently", "seem", "to", "be", "feel", "upset", "a bit", "at risk", "doing", "I", "i", "\u0130",
           "\u0131", "think", "believe", "that", "he", "the client", "lazy", "manipulative", "mani\u0131pulative",
           "attention", "attention-seeking", "seeking", "drama", "queen", "difficult", "client", "crazy", "whiny",
           "hysterical", "x", "\u03a3", "\u212a", "caf\u00e9", ".", "\u017f", "does\u00a0not"]


@settings(max_examples=600, deadline=None)
@given(_joined(WORDING, [" ", "  ", "\n", "\t", "", "\u00a0", "-"]))
@example("I think that he")
@example("x I\n think she")
@example("It \u017feems upset")
@example("\u0130 does not seem")
@example("attention seeking and seems sad")
def test_wording_search_is_search(text: str) -> None:
    for pattern, starts in ((quality._VAGUE, quality._VAGUE_STARTS), (quality._OPINION, quality._OPINION_STARTS)):
        fast = quality._search(pattern, starts, text, text.lower())
        plain = pattern.search(text)
        assert (fast and (fast.span(), fast.group())) == (plain and (plain.span(), plain.group()))


def _all_characters() -> str:
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_ignorecase_folds_to_ascii_letters_only_as_lower_does() -> None:
    """What `quality._search` relies on: a character that IGNORECASE matches to an ASCII letter
    lower-cases to that letter, unless it lower-cases to more than one character or is one of
    `_FOLDED_APART`; and whitespace lower-cases to itself."""
    for char in set(re.findall(r"(?i)[a-z]", _all_characters())):
        letters = {x for x in string.ascii_lowercase if re.fullmatch(f"(?i){x}", char)}
        assert char in quality._FOLDED_APART or len(char.lower()) != 1 or letters == {char.lower()}, char
    assert all(char.lower() == char for char in _all_characters() if char.isspace())


# --- signature lines --------------------------------------------------------------------------------

SIGNATURE_BITS = ["Electronically signed by ", "Electronically signed by A, B on C", "Dana Roe", ", ", "LPC",
                  " on ", "2026-01-01 10:00", "x", "Electronically signed by Electronically signed by X, Y on Z"]


@settings(max_examples=400, deadline=None)
@given(_joined(SIGNATURE_BITS, ["", "\n", " ", "\n\n"]))
def test_signature_lines_are_finditer(body: str) -> None:
    fast = [(m.span(), m.groupdict()) for m in signatures._signature_lines(body)]
    plain = [(m.span(), m.groupdict()) for m in signatures.SIGNATURE_LINE.finditer(body)]
    assert fast == plain


# --- features: capitalised pairs and sentences ------------------------------------------------------

# Capitalised words, Latin-1 accented letters included; every adjacent pair ("Met Ann Lee" holds
# "Met Ann" and "Ann Lee"), compared folded (accents dropped).
PLAIN_PAIR = re.compile(r"\b([A-ZÀ-ÖØ-Þ][a-zA-ZÀ-ÖØ-öø-ÿ'’-]+)\s+(?=([A-ZÀ-ÖØ-Þ][a-zA-ZÀ-ÖØ-öø-ÿ'’-]+)\b)")


def plain_name_pairs(body: str, body_line: int) -> tuple[tuple[str, int], ...]:
    seen: dict[str, int] = {}
    for match in PLAIN_PAIR.finditer(body):
        key = privacy.fold(f"{match[1]} {match[2]}")
        if key not in seen:
            seen[key] = body_line + body.count("\n", 0, match.start())
    return tuple(seen.items())


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ABZabz’'-_1é \n\t.", max_size=60))
@example("aBc Def Xyz")
@example("Mary Smith and O’Brien McDonald-Jones\nJane Doe, Mary Smith")
@example("Met José Müller, then Ésa Öberg")
def test_name_pairs_are_the_plain_scan(body: str) -> None:
    raw = RawRecord(path="n.md", body_text=body, body_line=7)
    assert privacy.name_pairs(raw) == plain_name_pairs(body, 7)


def plain_sentences(body: str) -> bytes:
    text = COMMENT.sub("", body) if "<!--" in body else body
    sentences = set()
    for sentence in text.replace("\n", ". ").replace("!", ".").replace("?", ".").split(". "):
        words = " ".join(sentence.lower().split())
        if len(words) >= 25 and not words.startswith(("#", "electronically signed by")):
            sentences.add(zlib.crc32(words.encode()))
    return array("I", sorted(sentences)).tobytes()


SENTENCE_BITS = ["Client reported sleeping better", "ΑΣ", "ΟΔΟΣ", "Β", "\u0130stanbul trip planned",
                 "#", "## Plan", "Electronically signed by X", "<!-- prompt -->", "a", "ok", "zzzzzzzzzzzzzzzzzzzzzzzzz"]


@settings(max_examples=500, deadline=None)
@given(_joined(SENTENCE_BITS, [" ", "  ", ". ", ".  ", ".\t", "\n", "! ", "?", ".", " . ", "\u00a0", "\x1c", "\t", ""]))
@example("ΑΣ!Β and a long enough sentence here")
@example("A sentence that is long enough.\u00a0Another one that is long enough")
def test_sentences_are_the_plain_split(body: str) -> None:
    note = ProgressNote(path="n.md", raw=RawRecord(path="n.md", body_text=body))
    assert features(note).sentences == plain_sentences(body)


# --- schema and codes -------------------------------------------------------------------------------

def plain_parse_datetime(text: str) -> dt.datetime | None:
    pattern = r"(\d{4}-\d{2}-\d{2})[T ]([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(Z|[+-]\d{2}:?\d{2})?"
    match = re.fullmatch(pattern, text.strip())
    if not match:
        return None
    day = schema.parse_date(match[1])
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, int(match[2]), int(match[3]), int(match[4] or 0))


@settings(max_examples=300, deadline=None)
@given(_joined(["2026", "2023", "٢٠٢٣", "02", "13", "30", "29", "00", "-", "T", " ", ":", "10", "23", "59", "Z",
                "+01:00", "9"], [""]))
@example("2023-02-30T10:00")
@example("2024-02-29 23:59:59Z")
def test_parse_datetime_is_the_plain_parse(text: str) -> None:
    assert schema.parse_datetime(text) == plain_parse_datetime(text)


def test_each_declaration_names_a_field_once() -> None:
    """The validator walks a declaration by name (`_by_name`): a repeated name would be lost."""

    def check(specs: tuple[schema.Field, ...]) -> None:
        names = [spec.name for spec in specs]
        assert len(names) == len(set(names)), names
        for spec in specs:
            check(spec.fields)

    for specs in schema.RECORD_FIELDS.values():
        check(specs)


def test_category_children_are_every_billable_code_under_it() -> None:
    table = icd10._codes()
    leaves = [code for code, leaf in table.items() if leaf and code.startswith("F")]
    for code in [code for code, leaf in table.items() if not leaf and code.startswith("F")]:
        prefix = code if "." in code else code + "."
        assert icd10.lookup(code).billable_children == tuple(sorted(c for c in leaves if c.startswith(prefix)))


def test_a_code_found_in_the_index_text_is_the_table_s() -> None:
    table = icd10._codes()
    for code, billable in table.items():
        assert icd10._billable(code) is billable, code
    for written in ["", "F3", "F33.", "F33.1 ", "f33.1", "F33.1\tL", "Z99.99", "L", "\n", "F33.1\nF"]:
        assert icd10._billable(written) is table.get(written), written


def test_the_code_set_version_is_the_installed_package_s() -> None:
    from importlib import metadata

    assert icd10._package_version() == metadata.version("simple-icd-10-cm")
