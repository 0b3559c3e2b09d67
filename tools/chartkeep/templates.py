"""Templates: which note types a practice has, the sections each requires, and when each was
last reviewed. A practice's `templates/` wins over the defaults shipped in the package, and a
template whose type is not built in (`templates/emdr.md`) declares `required_sections`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from chartkeep.layout import TEMPLATES_DIR, read_regular
from chartkeep.problems import Problem, problem
from chartkeep.reader import RawRecord, read_record
from chartkeep.schema import STANDARD_NOTE_TYPES, parse_date

PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Template:
    name: str
    version: str
    reviewed: dt.date | None
    record: str
    note_type: str | None
    required_sections: tuple[str, ...]
    path: str
    raw: RawRecord

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def template_dirs(root: Path | None) -> list[Path]:
    dirs = [PACKAGE_TEMPLATES]
    if root is not None:
        dirs.append(root / TEMPLATES_DIR)
    return dirs


def load_templates(root: Path | None) -> tuple[dict[str, Template], list[Problem]]:
    """All templates by name; the practice's own replace the package's of the same name."""
    found: dict[str, Template] = {}
    problems: list[Problem] = []
    for directory in template_dirs(root):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.md")):
            shown = f"{TEMPLATES_DIR}/{path.name}" if directory != PACKAGE_TEMPLATES else f"(built-in) {path.name}"
            template, found_problems = read_template(path, shown)
            problems.extend(found_problems)
            if template is not None:
                found[template.name] = template
    return found, problems


def read_template(path: Path, shown: str) -> tuple[Template | None, list[Problem]]:
    try:
        raw = read_record(shown, read_regular(path)[1])
    except OSError as error:
        return None, [problem("CK012", shown, 0, f"cannot read template: {error}")]
    if not raw.readable:
        return None, raw.problems
    meta = raw.meta
    name = path.stem
    tag = str(meta.get("template") or f"{name}@0")
    tag_name, _, version = tag.partition("@")
    problems = list(raw.problems)
    if tag_name != name:
        problems.append(
            problem("CK111", shown, raw.line_of("template"), f"template: {tag!r} should be {name}@VERSION")
        )
    reviewed = parse_date(str(meta.get("reviewed", "")))
    record = str(meta.get("record", "note"))
    note_type = str(meta["type"]) if record == "note" and meta.get("type") else (name if record == "note" else None)
    declared = meta.get("required_sections")
    if isinstance(declared, list):
        required = tuple(str(s) for s in declared)
    elif note_type in STANDARD_NOTE_TYPES:
        required = STANDARD_NOTE_TYPES[note_type]
    else:
        required = ()
        if record == "note":
            problems.append(
                problem(
                    "CK101",
                    shown,
                    1,
                    "a custom template must declare `required_sections: [...]` (the sections "
                    "every note of this type must fill)",
                )
            )
    return (
        Template(name, version or "0", reviewed, record, note_type, required, shown, raw),
        problems,
    )


def required_sections(templates: dict[str, Template]) -> dict[str, tuple[str, ...]]:
    """Note type → sections it requires: built-ins, then every note template's own list."""
    table = dict(STANDARD_NOTE_TYPES)
    for template in templates.values():
        if template.record == "note" and template.note_type and template.note_type not in STANDARD_NOTE_TYPES:
            table[template.note_type] = template.required_sections
    return table
