"""CK3xx: every diagnosis a billable ICD-10-CM code from the official release; a note's codes on
the client's face sheet."""

from __future__ import annotations

from chartkeep import icd10
from chartkeep.checks import Env
from chartkeep.model import Client, ProgressNote, Record, TreatmentPlan
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem

MAX_SUGGESTIONS = 8


def local(record: Record, env: Env) -> list[Problem]:
    out: list[Problem] = []
    if isinstance(record, Client | TreatmentPlan | ProgressNote):
        for index, code in enumerate(record.diagnoses):
            out.extend(_code(record, index, code))
    return out


def check_diagnoses(practice: Practice) -> list[Problem]:
    out: list[Problem] = []
    for note in practice.notes:
        out.extend(_on_face_sheet(practice, note))
    return out


def _code(record: Record, index: int, code: str) -> list[Problem]:
    found = icd10.lookup(code)
    line = record.line(f"diagnoses.{index}")
    if not found.valid:
        return [problem("CK301", record.path, line,
                        f"{code!r} is not an ICD-10-CM code in the current release; check it "
                        "(codes look like F33.1)")]
    if found.canonical:
        return [problem("CK301", record.path, line,
                        f"write {found.canonical!r}, not {code!r} (ICD-10-CM's own spelling)")]
    if not found.billable:
        children = found.billable_children
        shown = ", ".join(children[:MAX_SUGGESTIONS]) + (" …" if len(children) > MAX_SUGGESTIONS else "")
        return [problem("CK302", record.path, line,
                        f"{code} is a category, not billable: use one of its codes ({shown})")]
    return []


def _on_face_sheet(practice: Practice, note: ProgressNote) -> list[Problem]:
    client = practice.clients.get(note.client)
    if client is None:
        return []
    out = []
    for index, code in enumerate(note.diagnoses):
        if code not in client.diagnoses:
            out.append(problem("CK303", note.path, note.line(f"diagnoses.{index}"),
                               f"{code} is not among {note.client}'s diagnoses on the face sheet "
                               f"({', '.join(client.diagnoses) or 'none'}): update {client.path} "
                               "if it is a new diagnosis"))
    return out
