"""`chartkeep check` as a tool: output format, exit codes, selection, and the inline-only codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chartkeep.cli import main

from tests.conftest import AS_OF

NOTE = "notes/C0001/2026-02-26-soap.md"


def run(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chartkeep", "check", "--practice", str(root), "--as-of", AS_OF, *args],
        capture_output=True,
        text=True,
        cwd=cwd or root,
    )


def edit(root: Path, path: str, old: str, new: str) -> None:
    target = root / path
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))


def test_clean_practice_prints_nothing_but_warnings_and_exits_0(practice: Path) -> None:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)  # history checks need git
    result = run(practice, "--select", "CK0,CK1,CK2,CK3,CK5,CK6")
    assert result.stdout == "" and result.stderr == ""
    assert result.returncode == 0


def test_errors_exit_1_with_compiler_style_lines(practice: Path) -> None:
    edit(practice, NOTE, 'service: "90837"', 'service: "90834"')
    result = run(practice)
    assert result.returncode == 1
    assert f"{NOTE}:8: error CK201: 90834" in result.stdout


def test_json_output(practice: Path) -> None:
    edit(practice, NOTE, 'service: "90837"', 'service: "90834"')
    result = run(practice, "--format", "json", "--select", "CK2")
    items = json.loads(result.stdout)
    assert [(i["path"], i["line"], i["severity"], i["code"]) for i in items] == [
        (NOTE, 8, "error", "CK201")
    ]
    assert set(items[0]) == {"path", "line", "severity", "code", "message"}
    clean = run(practice, "--format", "json", "--select", "privacy")
    assert json.loads(clean.stdout) == [] and clean.returncode == 0


def test_not_a_git_repository_is_one_notice(practice: Path) -> None:
    result = run(practice, "--select", "CK505")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1 and "warning CK505" in result.stdout


def test_strict_turns_warnings_into_errors(practice: Path) -> None:
    assert run(practice).returncode == 0  # the fixture has one CK410 warning
    strict = run(practice, "--strict")
    assert strict.returncode == 1 and "error CK410" in strict.stdout


def test_select_family_names_and_checks_list(practice: Path) -> None:
    edit(practice, NOTE, "Client reported", "He seems upset. Client reported")
    assert "CK701" in run(practice, "--select", "quality").stdout
    assert "CK701" not in run(practice, "--checks", "basic").stdout


def test_given_paths_only_and_relative_to_cwd(practice: Path) -> None:
    edit(practice, NOTE, 'service: "90837"', 'service: "90834"')
    other = "notes/C0002/2026-03-05-soap.md"
    edit(practice, other, 'service: "90834"', 'service: "90837"')
    result = run(practice, "C0001/2026-02-26-soap.md", cwd=practice / "notes")
    assert result.stdout.startswith("C0001/2026-02-26-soap.md:8: error CK201")
    assert "C0002" not in result.stdout
    missing = run(practice, "notes/C0001/2026-12-31-soap.md")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_path_outside_practice_is_a_usage_error(practice: Path, tmp_path: Path) -> None:
    result = run(practice, "../../etc/passwd")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "chartkeep:" in result.stderr


def test_no_practice_is_a_setup_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "chartkeep", "check"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert "chartkeep init" in result.stderr and "Traceback" not in result.stderr


def test_settings_problems_are_reported_ck090(practice: Path) -> None:
    (practice / "chartkeep.toml").write_text("practice_name = 3\n[clinicians.x]\nname = 'X'\nbogus = 1\n")
    result = run(practice, "--select", "CK090")
    assert "chartkeep.toml:1: error CK090: practice_name = 3 should be a str" in result.stdout
    assert "[clinicians.x] needs name and credential" in result.stdout
    (practice / "chartkeep.toml").write_text("practice_name = [\n")
    broken = run(practice, "--select", "CK090")
    assert "chartkeep.toml: error CK090: not valid TOML" in broken.stdout and broken.returncode == 1


def test_unreadable_file_ck012(practice: Path) -> None:
    (practice / "notes/C0001/2026-03-01-soap.md").symlink_to(practice / "gone.md")  # dangling link
    result = run(practice, "--select", "CK012")
    assert "notes/C0001/2026-03-01-soap.md: error CK012: cannot read" in result.stdout


def test_signer_without_credential_ck504(practice: Path) -> None:
    settings = (practice / "chartkeep.toml").read_text()
    (practice / "chartkeep.toml").write_text(settings.replace('credential = "LCSW"\n', "", 1))
    result = run(practice, "--select", "CK504")
    assert f"{NOTE}:18: error CK504: mo has no credential" in result.stdout


def test_plan_review_coming_due_is_a_warning_relative_to_today(practice: Path) -> None:
    result = run(practice, "--select", "CK410")
    assert "C0004/plan-2025-06-01.md:5: warning CK410: review was due 2025-09-01" in result.stdout
    later = subprocess.run(
        [sys.executable, "-m", "chartkeep", "check", "--practice", str(practice), "--as-of", "2026-06-30T12:00",
         "--select", "CK410"], capture_output=True, text=True)
    assert "plan-2026-01-08.md:5: warning CK410: review due 2026-07-08, in 8 days" in later.stdout


def test_template_review_ck413(practice: Path) -> None:
    (practice / "templates").mkdir(exist_ok=True)
    (practice / "templates/emdr.md").write_text(
        "---\ntemplate: emdr@1\nreviewed: 2024-01-01\nrecord: note\ntype: emdr\n"
        "required_sections: [Target, Desensitization]\n---\n## Target\n<!-- -->\n"
    )
    result = run(practice, "--select", "CK413")
    assert "templates/emdr.md:3: warning CK413: template last reviewed 2024-01-01" in result.stdout


def test_custom_template_type_requires_its_sections(practice: Path) -> None:
    (practice / "templates").mkdir(exist_ok=True)
    (practice / "templates/emdr.md").write_text(
        "---\ntemplate: emdr@1\nreviewed: 2026-03-01\nrecord: note\ntype: emdr\n"
        "required_sections: [Target, Desensitization]\n---\n"
    )
    note = (practice / NOTE).read_text().replace("type: soap", "type: emdr")
    (practice / "notes/C0001/2026-02-26-emdr.md").write_text(note.replace("## Subjective", "## Target"))
    (practice / NOTE).unlink()
    result = run(practice, "--select", "CK1,CK4")
    assert "2026-02-26-emdr.md:20: error CK401: a emdr note needs a '## Desensitization' section" in result.stdout
    assert "CK110" not in result.stdout


def test_length_outliers_ck702(practice: Path) -> None:
    base = (practice / NOTE).read_text()
    for day in range(1, 22):
        text = base.replace("2026-02-26", f"2026-02-{day:02d}").replace('start: "19:00"', f'start: "{day % 9 + 8:02d}:00"')
        text = text.replace('end: "19:55"', f'end: "{day % 9 + 8:02d}:55"').replace("20:30", "23:30")
        (practice / f"notes/C0001/2026-02-{day:02d}-soap.md").write_text(text)
    long_note = practice / "notes/C0001/2026-02-21-soap.md"
    long_note.write_text(long_note.read_text().replace("## Plan", "## Plan\n" + "Extra detail. " * 900))
    result = run(practice, "--select", "CK702")
    assert "2026-02-21-soap.md:1: warning CK702:" in result.stdout and "over 4×" in result.stdout


def test_practice_settings_change_severity_and_disable(practice: Path) -> None:
    settings = (practice / "chartkeep.toml").read_text()
    (practice / "chartkeep.toml").write_text(settings + '\n[checks]\ndisable = ["CK410"]\nseverity = { CK701 = "error" }\n')
    edit(practice, NOTE, "Client reported", "He seems upset. Client reported")
    result = run(practice)
    assert "CK410" not in result.stdout
    assert "error CK701" in result.stdout and result.returncode == 1


def test_schema_command_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    note = schema["$defs"]["note"]
    assert note["properties"]["risk"]["properties"]["suicidal"]["enum"] == ["denied", "passive", "active"]
    assert "record" in note["required"] and note["additionalProperties"] is False


def test_check_is_quiet_under_broken_pipe(practice: Path) -> None:
    edit(practice, NOTE, 'service: "90837"', 'service: "90834"')
    cmd = f"{sys.executable} -m chartkeep check --practice {practice} --as-of {AS_OF} | head -c 0"
    result = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=os.environ)
    assert "Traceback" not in result.stderr
