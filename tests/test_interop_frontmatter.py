"""Records stay standard front-matter Markdown: python-frontmatter, which other tools build on,
reads every record chartkeep ships or writes the way chartkeep does.

chartkeep reads and writes notes itself (python-frontmatter's `parse` strips the text and keeps no
line numbers, and its `dumps` re-serialises the YAML, which would alter a signed note). This test
holds the two equal: with chartkeep's strict YAML plugged into python-frontmatter's handler model,
the metadata and the body are identical; with its default YAML 1.1 loader, the field names and
the body still are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from chartkeep import yamlstrict
from chartkeep.reader import decode, split_front_matter
from frontmatter.default_handlers import YAMLHandler

ROOT = Path(__file__).resolve().parent.parent


class StrictHandler(YAMLHandler):
    """python-frontmatter's YAML handler with chartkeep's strict YAML 1.2 reading of the fields."""

    def load(self, fm: str, **kwargs: object) -> Any:
        loaded = yamlstrict.load(fm + "\n", "note.md", 2)
        assert loaded.problems == [], loaded.problems
        return loaded.value


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Records chartkeep writes: a generated practice (signed notes, addenda, every type)."""
    out = tmp_path_factory.mktemp("demo") / "practice"
    subprocess.run(
        [sys.executable, "-m", "chartkeep", "demo-data", "--notes", "300", "--problems", "0", str(out)],
        check=True,
        capture_output=True,
    )
    return sorted(out.rglob("*.md"))


def _records(paths: list[Path]) -> list[tuple[Path, str]]:
    found = []
    for path in paths:
        text, problems = decode(str(path), path.read_bytes())
        assert text is not None, problems
        found.append((path, text))
    return found


@pytest.mark.parametrize("source", ["examples", "templates", "written"])
def test_python_frontmatter_reads_records_as_chartkeep_does(source: str, written: list[Path]) -> None:
    paths = {
        "examples": sorted((ROOT / "examples" / "practice").rglob("*.md")),
        "templates": sorted((ROOT / "tools" / "chartkeep" / "templates").glob("*.md")),
        "written": written,
    }[source]
    records = _records(paths)
    assert len(records) >= 10
    for path, text in records:
        split = split_front_matter(text)
        ours = yamlstrict.load(split.front, str(path), split.front_line)
        assert ours.problems == [], (path, ours.problems)

        strict = frontmatter.loads(text, handler=StrictHandler())
        assert strict.metadata == ours.value, path
        assert strict.content == split.body.strip(), path

        default = frontmatter.loads(text)  # PyYAML's YAML 1.1 reading: other types, same fields
        assert list(default.metadata) == list(ours.value), path
        assert default.content == split.body.strip(), path
