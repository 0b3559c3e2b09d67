"""CK3xx: every diagnosis a billable ICD-10-CM code from the official release; a note's codes on
the client's face sheet."""

from __future__ import annotations

from itertools import chain, groupby
from operator import attrgetter

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
    """A note's diagnoses are on the client's face sheet."""
    out: list[Problem] = []
    for code, notes in groupby(practice.notes, attrgetter("client")):  # notes come by client
        client = practice.clients.get(code)
        if client is None:
            continue
        notes_of_client = list(notes)
        on_face_sheet = set(client.diagnoses)
        if on_face_sheet.issuperset(chain.from_iterable(map(attrgetter("diagnoses"), notes_of_client))):
            continue  # the usual case, found without a step per note
        for note in notes_of_client:
            for index, diagnosis in enumerate(note.diagnoses):
                if diagnosis not in on_face_sheet:
                    out.append(problem("CK303", note.path, note.line(f"diagnoses.{index}"),
                                       f"{diagnosis} is not among {note.client}'s diagnoses on the face "
                                       f"sheet ({', '.join(client.diagnoses) or 'none'}): update "
                                       f"{client.path} if it is a new diagnosis"))
    return out


def _code(record: Record, index: int, code: str) -> list[Problem]:
    # Imported here: the ICD-10-CM table (and importlib.metadata, ~30 ms) is needed by this record
    # check only, which runs in the parse stage; a warm `chartkeep check` never calls it.
    from chartkeep import icd10

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
