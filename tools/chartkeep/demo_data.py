"""Fictional practices for demos, tests and benchmarks.

`generate(root, notes=N, seed=S)` writes a complete practice: settings, face sheets, treatment plans,
session notes of every type, group records and psychotherapy notes. Every person is made up from
name lists; every date is before 2026-11-27. The same arguments always give byte-identical files.

Two stages, as in the rest of chartkeep: *plan* (who is seen when, with which code, for how long:
plain dataclasses, no text) and *render* (front matter and clinical prose, written directly as text
with no YAML library, one worker process per CPU from 5,000 notes on: each clinician has its own
random stream, so the bytes do not depend on the number of workers). 250,000 notes cost about
85-100 CPU-seconds (a fifth to a third in the kernel, creating 300,000 files). `make_example.py`
in `examples/` uses both stages to build the committed demo practice.

With `problems > 0`, that fraction of notes gets one typical documentation fault (minutes that do not
fit the code, no Plan section, vague wording, a category code, no risk block, no signature past the
deadline, another client's name), so the checks have something to find.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import json
import math
import os
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

REFERENCE_DAY = date(2026, 11, 27)  # "today" for every fictional practice
LAST_DAY = REFERENCE_DAY - timedelta(days=1)  # the newest notes are from yesterday
# Notes of the last two days wait for a signature; their 72-hour deadline runs past "today".
UNSIGNED_DAYS = 2
NOTES_PER_CLINICIAN = 3000  # about three years of a full caseload
PLAN_RENEW_DAYS = 70  # plans are renewed well before their 90-day review date
PLAN_REVIEW_DAYS = 90
VIRTUAL_MONDAY = date(2001, 1, 1)  # planning calendar; shifted by whole weeks afterwards
PARALLEL_FROM = 5000  # notes: below this, one process is faster than a pool

NOTE_FORMATS = ("soap", "dap", "birp", "girp")
PROBLEM_KINDS = (
    "minutes",
    "no-plan-section",
    "vague",
    "category-code",
    "no-risk",
    "unsigned",
    "other-name",
)


# ---------------------------------------------------------------------------------------------
# Records of the plan stage
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedPractice:
    """What `generate` wrote: counts for tests and benchmarks."""

    root: Path
    clinicians: int
    clients: int
    notes: int
    group_sessions: int
    plans: int
    psychotherapy_notes: int
    problems: int
    files: int


@dataclass(frozen=True)
class Payer:
    """A fictional payer and its telehealth settings."""

    id: str
    name: str
    video_modifier: str = "95"
    audio_modifier: str = "93"


@dataclass(frozen=True)
class Clinician:
    """A fictional clinician of the practice."""

    id: str
    name: str
    credential: str
    npi: str
    email: str
    note_format: str = "soap"
    runs_group: bool = False
    number: int = 1  # 1, 2, …: names the clinician's group without naming the clinician


@dataclass(frozen=True)
class Profile:
    """A presenting problem: its codes, symptoms, goals and measures."""

    key: str
    codes: tuple[str, ...]
    symptoms: tuple[str, ...]
    quotes: tuple[str, ...]
    goals: tuple[str, ...]
    measures: tuple[str, ...]
    skills: tuple[str, ...]
    themes: tuple[str, ...]


@dataclass(slots=True, eq=False)
class Client:
    """A fictional client while planning; `code` and `name` are filled in after planning."""

    clinician: Clinician
    key: int
    profile: Profile
    diagnoses: tuple[str, ...]
    service: str
    modality: str  # in-person | video | mixed
    weekday: int
    slot: int
    weeks: int
    payer: str
    in_group: bool
    phq_base: int
    gad_base: int
    gain: float
    intake: date = VIRTUAL_MONDAY
    discharge: date | None = None
    code: str = ""
    name: str = ""
    pronouns: str = "they/them"
    dob: date = VIRTUAL_MONDAY
    member_id: str | None = None
    plans: list[date] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    sessions: int = 0  # billable individual sessions so far
    plan_modality: str = "individual"  # individual | group


@dataclass(slots=True)
class GroupSession:
    """One meeting of a therapy group: the shared record and its members."""

    group: str
    theme: int
    day: date
    clinician: Clinician
    members: list[Client]
    start: int = 0
    minutes: int = 90
    slot: int = 8


@dataclass(slots=True)
class Visit:
    """One session note to write (or a contact / cancellation note)."""

    client: Client
    kind: str  # note type
    day: date
    minutes: int  # 0: the note records no times
    service: str | None
    modality: str = "in-person"
    place: str = "office"  # office | home | elsewhere
    slot: int = 0
    start: int = 0
    session_no: int = 0
    group: GroupSession | None = None
    private: bool = False
    phq9: tuple[int, int] | None = None  # (total, item 9)
    gad7: int | None = None
    problem: str | None = None


# ---------------------------------------------------------------------------------------------
# Fictional names, places and clinical vocabulary
# ---------------------------------------------------------------------------------------------

FIRST_NAMES: tuple[tuple[str, str], ...] = (
    tuple(
        (name, "she/her")
        for name in [
            "Adaeze",
            "Alina",
            "Amara",
            "Annika",
            "Beatriz",
            "Bettina",
            "Brielle",
            "Calla",
            "Camille",
            "Carmela",
            "Celeste",
            "Corinna",
            "Dalia",
            "Delphine",
            "Elodie",
            "Emeline",
            "Esperanza",
            "Fenna",
            "Fiorella",
            "Gianna",
            "Greta",
            "Hallie",
            "Imogen",
            "Ines",
            "Isadora",
            "Jessamy",
            "Jolene",
            "Katarina",
            "Kenna",
            "Larissa",
            "Leonie",
            "Liesel",
            "Linnea",
            "Lucinda",
            "Maelle",
            "Marisol",
            "Mireille",
            "Nadia",
            "Noemi",
            "Odalys",
            "Ottilie",
            "Paloma",
            "Perpetua",
            "Priya",
            "Rosalind",
            "Saoirse",
            "Selene",
            "Solveig",
            "Tamsin",
            "Thea",
            "Ulrike",
            "Valentina",
            "Wilhelmina",
            "Xiomara",
            "Yesenia",
            "Zinnia",
            "Anouk",
            "Berit",
            "Clementine",
            "Daphne",
            "Eliska",
            "Farida",
        ]
    )
    + tuple(
        (name, "he/him")
        for name in [
            "Anselm",
            "Arvid",
            "Bastian",
            "Benedikt",
            "Caspian",
            "Cormac",
            "Dario",
            "Desmond",
            "Emeric",
            "Evander",
            "Fabian",
            "Florian",
            "Gideon",
            "Gunnar",
            "Hamish",
            "Ignatius",
            "Ilario",
            "Jasper",
            "Joaquin",
            "Kasimir",
            "Lachlan",
            "Leander",
            "Lorcan",
            "Magnus",
            "Malcolm",
            "Mateo",
            "Nikolai",
            "Oisin",
            "Orrin",
            "Osvaldo",
            "Percival",
            "Quentin",
            "Rafferty",
            "Reinhold",
            "Rowan",
            "Sander",
            "Soren",
            "Tadeo",
            "Teodor",
            "Thaddeus",
            "Ulrich",
            "Valentin",
            "Wendell",
            "Xavier",
            "Yannick",
            "Zoltan",
            "Alaric",
            "Barnaby",
            "Cyprian",
            "Dorian",
            "Eamon",
            "Fitzroy",
            "Griffin",
            "Horatio",
            "Ivo",
            "Jovan",
            "Kieran",
            "Leopold",
        ]
    )
    + tuple(
        (name, "they/them")
        for name in [
            "Arden",
            "Briar",
            "Emerson",
            "Ellis",
            "Finley",
            "Indigo",
            "Lennox",
            "Marlowe",
            "Oakley",
            "Quinn",
            "Remy",
            "Sage",
        ]
    )
)

LAST_NAMES: tuple[str, ...] = (
    "Abernathy",
    "Achterberg",
    "Adeyemi",
    "Albrecht",
    "Alvarado",
    "Ambrose",
    "Ashdown",
    "Aurelio",
    "Balcombe",
    "Bancroft",
    "Barrowclough",
    "Bellweather",
    "Birkenstead",
    "Blackwood",
    "Bramhall",
    "Brightwater",
    "Castellano",
    "Chadwick",
    "Cheswick",
    "Coldwell",
    "Cordova",
    "Crestfield",
    "Dabrowski",
    "Dalgleish",
    "Delacroix",
    "Dunmore",
    "Easterbrook",
    "Eckhardt",
    "Elsworth",
    "Fairbanks",
    "Falkenrath",
    "Fennimore",
    "Fitzwilliam",
    "Galloway",
    "Garroway",
    "Glenister",
    "Greenhalgh",
    "Hadfield",
    "Halloran",
    "Hargreave",
    "Hawthorne",
    "Holloway",
    "Ingleby",
    "Isherwood",
    "Jaramillo",
    "Kavanagh",
    "Kettleborough",
    "Kingsolver",
    "Lachance",
    "Langridge",
    "Larkspur",
    "Lindqvist",
    "Lockhart",
    "Maddox",
    "Marchetti",
    "Merriweather",
    "Montague",
    "Morrigan",
    "Nakashima",
    "Netherby",
    "Northcott",
    "Oakenfold",
    "Ogunbiyi",
    "Okonkwo",
    "Ollerenshaw",
    "Pemberton",
    "Penhaligon",
    "Quennell",
    "Radcliffe",
    "Ravensworth",
    "Redgrave",
    "Rosenquist",
    "Saltonstall",
    "Sandoval",
    "Silvermoon",
    "Stonebridge",
    "Strathmore",
    "Sutcliffe",
    "Tallis",
    "Thistlewood",
    "Thornbury",
    "Trevelyan",
    "Underhill",
    "Vanterpool",
    "Vasquez-Oyelaran",
    "Wainwright",
    "Wetherell",
    "Whitlock",
    "Winterbourne",
    "Woodhouse",
    "Wrexham",
    "Yardley",
    "Zabinski",
    "Zelenko",
    "Ashcombe",
    "Beauchamp",
    "Carrow",
    "Dewhurst",
    "Eversleigh",
    "Fairweather",
    "Gilchrist",
    "Hollingsworth",
    "Ivanova-Reed",
    "Jessop",
    "Kilbride",
    "Loxley",
    "Mallory",
    "Nightingale",
    "Ormerod",
    "Pickering",
    "Quayle",
    "Rushworth",
    "Sedgwick",
    "Tremaine",
    "Umberto",
    "Vickery",
    "Westbrook",
    "Yelverton",
    "Ainsworth",
    "Brackenbury",
    "Culpepper",
    "Daventry",
    "Etheridge",
    "Farrington",
    "Goodenough",
    "Hatherley",
    "Inchbald",
    "Juniper",
    "Kettering",
    "Lavender",
    "Moorcroft",
    "Neville-Shaw",
    "Ockendon",
    "Prendergast",
)

# Clinicians come from their own lists, so a clinician never shares a name with a client.
CLINICIANS: tuple[tuple[str, str, str], ...] = (
    ("mokafor", "Maya Okafor", "LCSW"),
    ("dreyes", "Daniel Reyes", "LPC"),
    ("hlindgren", "Hanna Lindgren", "LMFT"),
    ("tbrennan", "Tomas Brennan", "PsyD"),
    ("asato", "Akiko Sato", "LCSW"),
    ("obanjo", "Olu Banjo", "LPC"),
    ("rmcallister", "Rhea McAllister", "LMFT"),
    ("pquist", "Pieter Quist", "PhD"),
)
CLINICIAN_FIRST = [
    "Maren",
    "Idris",
    "Soraya",
    "Tobias",
    "Ingrid",
    "Rafael",
    "Nell",
    "Cyrus",
    "Leona",
    "Ambrose",
    "Juno",
    "Matthias",
    "Ottoline",
    "Ravi",
    "Sunniva",
    "Kofi",
    "Aurora",
    "Emil",
    "Freya",
    "Hugo",
]
CLINICIAN_LAST = [
    "Adebayo",
    "Bergstrom",
    "Castellanos",
    "Demir",
    "Eriksen",
    "Fontaine",
    "Gallardo",
    "Haugen",
    "Iwasaki",
    "Jovanovic",
    "Kowalczyk",
    "Lindahl",
    "Moreau",
    "Nakamura",
    "Oyelaran",
    "Petrov",
    "Rasmussen",
    "Santoro",
    "Takahashi",
    "Vidal",
]
CREDENTIALS = ("LCSW", "LPC", "LMFT", "PsyD", "PhD", "LCSW", "LPC")

PAYERS: tuple[Payer, ...] = (
    Payer("bluecross", "Blue Cross (fictional)"),
    Payer("prairie", "Prairie Health Plan (fictional)"),
    Payer("lakeshore", "Lakeshore Medicaid (fictional)", video_modifier="GT"),
)
SELF_PAY = "self-pay"
TOWNS = (
    "Springfield IL",
    "Oak Park IL",
    "Evanston IL",
    "Naperville IL",
    "Joliet IL",
    "Aurora IL",
    "Elgin IL",
    "Waukegan IL",
    "Skokie IL",
    "Berwyn IL",
    "Cicero IL",
    "Wheaton IL",
)
ELSEWHERE = (
    "private office at work",
    "parked car outside workplace",
    "private room at a relative's house",
    "library study room",
    "hotel room while traveling for work",
    "empty conference room at work",
)
AUDIO_REASONS = (
    "home internet outage; video would not connect, client consented to audio only",
    "client's laptop camera failed at the start of the session; video not possible today",
    "client declined video today because of limited mobile data; audio-only offered and accepted",
    "video platform could not connect after two attempts; continued by phone with consent",
    "client in a rural area with no broadband today; audio only, consent documented",
)

PROFILES: tuple[Profile, ...] = (
    Profile(
        "depression",
        ("F33.0", "F33.1", "F32.A", "F32.1", "F34.1"),
        (
            "low mood most of the day",
            "early-morning waking around 4 a.m.",
            ("loss of interest in cooking and music"),
            "fatigue by mid-afternoon",
            "difficulty concentrating at work",
            ("withdrawing from friends"),
            "reduced appetite and skipped lunches",
            "guilt about unfinished chores",
            "tearfulness in the evenings",
            "oversleeping on weekends",
            "slowed thinking in meetings",
            "feeling hopeless about the future",
        ),
        (
            "I just don't have the energy for anything.",
            "Some days are a little lighter now.",
            "I keep canceling plans and then feel worse.",
            ("I got out of bed on time four days this week."),
            "Everything feels like it takes twice as long.",
            ("I actually enjoyed dinner with my sister."),
        ),
        (
            "Reduce depressive symptoms to a PHQ-9 total below 10 for four consecutive weeks.",
            "Sleep at least 7 hours on 5 nights a week, by sleep diary.",
            "Complete 3 scheduled valued activities a week, by activity log.",
            "Attend work on at least 4 of 5 scheduled days a week.",
        ),
        ("phq9",),
        (
            "behavioral activation scheduling",
            "cognitive restructuring of all-or-nothing thoughts",
            "sleep hygiene review",
            "activity monitoring",
            "problem-solving therapy steps",
            "self-compassion exercises",
            "DBT PLEASE skills",
            "values clarification",
        ),
        (
            "Coping with low energy",
            "Behavioral activation",
            "Challenging negative thoughts",
            "Sleep and mood",
            "Staying connected",
        ),
    ),
    Profile(
        "anxiety",
        ("F41.1",),
        (
            "persistent worry about finances",
            "muscle tension in the neck and shoulders",
            "restlessness at night",
            "difficulty falling asleep",
            "irritability with family members",
            "worry about job performance",
            "catastrophic predictions about health",
            ("trouble switching off after work"),
            "reassurance seeking by text",
            "stomach upset before work",
        ),
        (
            "My mind just won't stop running.",
            "I caught myself worrying and actually let it go.",
            "I checked my bank app maybe twenty times.",
            "I noticed the tension before it got bad.",
            "I'm always waiting for the other shoe to drop.",
        ),
        (
            "Reduce anxiety to a GAD-7 total below 8, measured monthly.",
            "Use a scheduled worry period on 5 days a week, by log.",
            "Fall asleep within 30 minutes on 5 nights a week, by sleep diary.",
        ),
        ("gad7", "phq9"),
        (
            "worry postponement",
            "diaphragmatic breathing",
            ("cognitive restructuring of catastrophic predictions"),
            "progressive muscle relaxation",
            "mindfulness of thoughts",
            "decatastrophizing worksheet",
            "problem-solving for solvable worries",
        ),
        ("Managing worry", "Relaxation skills", "Tolerating uncertainty", "Sleep and worry"),
    ),
    Profile(
        "panic",
        ("F41.0",),
        (
            "panic attacks at the grocery store",
            "racing heart while driving on the highway",
            "avoidance of crowded places",
            "fear of another attack",
            "dizziness in the checkout line",
            "leaving a concert early because of chest tightness",
        ),
        (
            "I thought I was having a heart attack again.",
            ("I stayed in the store even when it started."),
            "I don't go anywhere without an exit plan.",
        ),
        (
            "Reduce panic attacks to fewer than 1 a week, by panic log.",
            "Complete 4 steps of the exposure hierarchy without leaving early.",
        ),
        ("gad7",),
        (
            "interoceptive exposure",
            "exposure hierarchy planning",
            ("psychoeducation on the panic cycle"),
            "paced breathing",
            "cognitive restructuring of catastrophic misinterpretations",
        ),
        ("Understanding panic", "Facing feared situations", "Body sensations"),
    ),
    Profile(
        "trauma",
        ("F43.10", "F43.12"),
        (
            "nightmares three nights this week",
            "a strong startle response to loud noises",
            "avoiding the intersection where the collision happened",
            "intrusive memories at work",
            "hypervigilance in crowded places",
            "emotional numbness with family",
            "sleeping with the lights on",
        ),
        (
            "It felt like it was happening again.",
            "I drove past the intersection and kept going.",
            "I finally slept through the night once.",
        ),
        (
            "Reduce trauma-related nightmares to 1 a week or fewer, by sleep log.",
            "Drive the avoided route 3 times a week with distress 40 or below on a 0-100 scale.",
            "Reduce depressive symptoms to a PHQ-9 total below 10.",
        ),
        ("phq9", "gad7"),
        (
            "grounding with the 5-4-3-2-1 technique",
            "trauma psychoeducation",
            ("cognitive processing of stuck points"),
            "imagery rehearsal for nightmares",
            ("in-vivo exposure planning"),
            "window of tolerance mapping",
        ),
        ("Grounding and safety", "Understanding trauma responses"),
    ),
    Profile(
        "adjustment",
        ("F43.23",),
        (
            "tearfulness since the layoff",
            "worry about the move to a new city",
            ("difficulty sleeping since the divorce filing"),
            "irritability since the new job started",
            "loss of routine after retirement",
            "trouble focusing since the diagnosis in the family",
        ),
        (
            "I don't know who I am without that job.",
            "This week felt more normal.",
            "I'm starting to build a routine again.",
        ),
        (
            "Return to a daily routine with fixed wake time on 6 days a week.",
            "Reduce distress to 3 or below on a 0-10 scale, self-rated weekly.",
            "Take 2 concrete steps a week toward the new situation (applications, contacts).",
        ),
        ("phq9", "gad7"),
        (
            "problem-solving therapy steps",
            "supportive counseling",
            "values clarification",
            "structured daily scheduling",
            "cognitive restructuring",
        ),
        ("Coping with change", "Building routines"),
    ),
    Profile(
        "social",
        ("F40.10",),
        (
            "avoiding speaking in team meetings",
            "rehearsing conversations for hours",
            "leaving social events early",
            "blushing and shaking when introduced",
            "eating lunch alone to avoid coworkers",
        ),
        (
            "I said one thing in the meeting and nobody laughed.",
            "I left after ten minutes.",
            "I went to the party and stayed an hour.",
        ),
        (
            "Speak at least once in 3 team meetings a week.",
            "Complete 2 social exposure tasks a week, by log.",
        ),
        ("gad7",),
        (
            "exposure hierarchy planning",
            "cognitive restructuring of mind reading",
            "attention-shifting practice",
            "behavioral experiments",
        ),
        ("Facing feared situations", "Speaking up"),
    ),
    Profile(
        "ocd",
        ("F42.2",),
        (
            "checking the stove and locks before leaving",
            "intrusive contamination thoughts",
            "hand-washing rituals after using the bus",
            "repeating phrases until it feels right",
            "long bedtime checking routines",
        ),
        (
            "I walked away from the stove after one check.",
            "The washing took an hour again.",
            "I let the thought be there and didn't do it.",
        ),
        (
            "Reduce daily time spent on rituals to under 30 minutes, by log.",
            "Complete 3 exposure and response prevention practices a week.",
        ),
        ("gad7",),
        (
            "exposure and response prevention",
            "ritual monitoring",
            ("psychoeducation on the OCD cycle"),
            "delay and reduce ritual practice",
        ),
        ("Tolerating uncertainty",),
    ),
    Profile(
        "adhd",
        ("F90.0",),
        (
            "missed deadlines at work",
            "losing track of appointments",
            ("difficulty sustaining attention in long meetings"),
            "unfinished projects piling up",
            ("losing keys and paperwork"),
            "late bill payments",
        ),
        (
            "I used the planner for a whole week.",
            "I forgot the dentist again.",
            "Breaking it into small steps actually worked.",
        ),
        (
            "Use a daily planner on 5 days a week, by planner review.",
            "Submit work tasks on time in 4 of 5 weeks, by client report.",
        ),
        ("phq9",),
        (
            "organizational skills training",
            "task breakdown practice",
            "time-blocking",
            "environmental modification planning",
            "self-monitoring",
        ),
        ("Organization and routines",),
    ),
)
PROFILE_WEIGHTS = (34, 22, 8, 10, 10, 6, 5, 5)
SECONDARY = {
    "depression": ("F41.1", "F43.10"),
    "anxiety": ("F33.1", "F32.A", "F41.0"),
    "panic": ("F41.1", "F33.0"),
    "trauma": ("F33.1", "F41.1"),
    "adjustment": ("F41.1",),
    "social": ("F33.0", "F41.1"),
    "ocd": ("F41.1", "F33.0"),
    "adhd": ("F41.1", "F32.A"),
}
DX_NAMES = {
    "F33.0": "major depressive disorder, recurrent, mild",
    "F33.1": "major depressive disorder, recurrent, moderate",
    "F32.A": "depression, unspecified",
    "F32.1": "major depressive disorder, single episode, moderate",
    "F34.1": "dysthymic disorder",
    "F41.1": "generalized anxiety disorder",
    "F41.0": "panic disorder",
    "F43.10": "post-traumatic stress disorder, unspecified",
    "F43.12": "post-traumatic stress disorder, chronic",
    "F43.23": "adjustment disorder with mixed anxiety and depressed mood",
    "F40.10": "social phobia, unspecified",
    "F42.2": "mixed obsessional thoughts and acts",
    "F90.0": "attention-deficit hyperactivity disorder, predominantly inattentive type",
}
CATEGORY_CODES = {
    "F43.10": "F43.1",
    "F43.12": "F43.1",
    "F33.0": "F33",
    "F33.1": "F33",
    "F41.1": "F41",
    "F41.0": "F41",
    "F32.A": "F32",
    "F32.1": "F32",
    "F43.23": "F43.2",
    "F40.10": "F40.1",
    "F42.2": "F42",
    "F90.0": "F90",
    "F34.1": "F34",
}

RELATIONS = (
    "partner",
    "sister",
    "brother",
    "mother",
    "father",
    "roommate",
    "coworker",
    "manager",
    "adult son",
    "adult daughter",
    "best friend",
    "neighbor",
    "ex-spouse",
)
STRESSORS = (
    "a conflict with {pos} {person}",
    "a performance review at work",
    ("an unexpected car repair bill"),
    "a family birthday gathering",
    "a week of overtime shifts",
    ("a medical appointment for {pos} {person}"),
    "the anniversary of a loss",
    ("a move to a smaller apartment"),
    "a disagreement about money",
    "a long drive to visit family",
    "news of layoffs at work",
    "a cancelled vacation",
    "caring for a sick pet",
    "a late-night argument by text",
    "holiday planning with relatives",
)
ACTIVITIES = (
    "walking the dog",
    "cooking dinner",
    "calling a friend",
    "gardening",
    ("swimming at the community pool"),
    "playing guitar",
    "a yoga class",
    "reading before bed",
    "a bike ride",
    "volunteering at the food pantry",
    "baking",
    "a walk at lunch",
    "attending a church service",
    "woodworking in the garage",
    "a pottery class",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MOOD_WORDS = (
    "tired",
    "flat",
    "so-so",
    "stressed",
    "on edge",
    "heavy",
    "frustrated",
    "worn out",
    "anxious",
    "down",
    "restless",
    "not great",
)
GOOD_MOODS = ("okay", "better than last week", "a bit lighter", "hopeful", "steady", "calmer")
APPEARANCE = (
    "Client arrived on time, casually dressed and adequately groomed.",
    "Client was neatly dressed in work clothes, with good hygiene.",
    "Client appeared disheveled, hair uncombed, wearing the same sweatshirt as last week.",
    "Client was dressed appropriately for the weather; grooming fair.",
    "Client arrived five minutes late, slightly out of breath, clothing clean and appropriate.",
    "Client's grooming was improved compared with recent sessions; clothing neat.",
    "Client appeared tired, with dark circles under the eyes; dressed casually.",
    "Client presented well groomed, wearing glasses, clothing appropriate to the setting.",
    "Client appeared stated age, casually dressed, hygiene adequate.",
    "Client wore a work uniform and came directly from a shift; grooming adequate.",
)
BEHAVIOR = (
    "Kept arms crossed for most of the session and uncrossed them when discussing {act}.",
    "Rocked slightly in the chair when anxious; stopped after the breathing exercise.",
    "Checked the phone twice early in the session and then put it away when asked.",
    "Sat slouched at the start of the session, then sat upright as the session went on.",
    "Maintained fair eye contact and was cooperative throughout.",
    "Fidgeted with a water bottle and shifted in the chair often during the first half.",
    "Psychomotor activity was slowed; movements deliberate and unhurried.",
    "Made good eye contact, leaned forward when discussing goals, and was engaged.",
    "Tapped a foot steadily while describing the week; no tremor observed.",
    "Looked down at the floor when discussing family and looked up when the topic changed.",
    "Was calm and still, with no psychomotor agitation or retardation observed.",
    "Wrung hands while describing the stressor; hands were still by the end of the session.",
    "Was attentive and cooperative; nodded and took notes on the handout.",
    "Sighed frequently and rubbed the back of the neck when describing work.",
    "Smiled appropriately when greeting this writer; posture relaxed.",
)
SPEECH = (
    "Speech was normal in rate, volume and tone.",
    "Speech was soft and slow, with long pauses before answers.",
    "Speech was slightly rapid when discussing the stressor and slowed later.",
    "Speech was clear and coherent, of normal rate and volume.",
    "Speech was monotone with reduced spontaneity; answered questions briefly.",
    "Speech was pressured at times when describing worries, otherwise normal.",
    "Speech was fluent and goal-directed, with normal prosody.",
)
AFFECT = (
    'Mood described as "{mood}"; affect constricted and congruent with mood.',
    'Mood described as "{mood}"; affect full range and appropriate to content.',
    'Mood "{mood}"; affect anxious, brightening briefly when talking about {act}.',
    'Mood "{mood}"; affect dysphoric, tearful once when discussing {pos} {person}.',
    'Mood reported as "{mood}"; affect reactive and congruent.',
    'Mood "{mood}"; affect mildly restricted, became brighter toward the end of the session.',
    'Mood "{mood}"; affect tense, with a worried facial expression early in the session.',
    'Mood "{good_mood}"; affect euthymic and appropriate.',
    'Mood "{good_mood}"; affect bright and reactive, smiled when describing {act}.',
)
THOUGHT = (
    "Thought content included worry that {sym2} will not improve; no obsessions or delusions.",
    "Thought process circumstantial at times but redirectable; no flight of ideas.",
    "Thought process linear and goal-directed; thought content focused on {sym}.",
    "Thought process logical; no delusions or perceptual disturbances elicited.",
    "Thought content notable for self-critical statements about work; no psychotic features.",
    "Thought process organized; content centered on {stress_short}.",
    "Thoughts coherent and relevant; ruminative themes about {sym2}.",
    "No hallucinations reported or observed; thought process intact.",
    "Thought process goal-directed; future-oriented statements about {act}.",
)
COGNITION = (
    "Alert and oriented to person, place, time and situation.",
    "Alert and oriented x4; attention and concentration intact for the session tasks.",
    "Oriented x4; recalled last week's homework accurately.",
    "Alert and oriented; concentration mildly reduced, needed one question repeated.",
    "Cognition grossly intact; memory for recent events good.",
)
INSIGHT = (
    "Insight and judgment fair.",
    "Insight good: linked {pos} sleep pattern to {pos} mood without prompting.",
    "Insight fair; judgment good, as shown by reaching out to {pos} {person} for support.",
    "Insight developing; judgment intact.",
    "Insight good and judgment good.",
    "Insight limited regarding the role of avoidance; judgment fair.",
)
REPORT = (
    "Client reported that {sym2} was less intense on the days {pos} kept a regular schedule.",
    "Client described a good day on {day}, spent partly on {act}.",
    "Client reported skipping {act} twice because of {sym}, then trying again on {day}.",
    "Client reported that {pos} {person} noticed a change and commented on it.",
    "Client reported spending more time on the phone at night, about {k} hours after 10 p.m.",
    "Client reported that {stress} brought back {sym} for about two days.",
    "Client reported a morning routine of shower, breakfast and a short walk on {k} days.",
    "Client reported feeling irritable on {day} and apologizing to {pos} {person} afterward.",
    "Client reported limiting news and social media to twenty minutes a day.",
    "Client reported that the worksheet from last session was hard to start but useful once begun.",
    "Client reported {sym} on most days since the last session, worst on {day}.",
    "Client described {sym2} after {stress}, and rated the week {n} out of 10.",
    'Client stated, "{quote}"',
    "Client reported sleeping about {hrs} hours a night, with {sleep}.",
    "Client reported {act} on {k} days this week, compared with {k2} the week before.",
    "Client reported that {stress} was the main stressor of the week.",
    "Client reported appetite as {appetite}.",
    "Client reported that work has been {work}.",
    "Client reported completing the homework from last session on {k} of 7 days.",
    "Client described a difficult evening on {day}, when {sym} lasted several hours.",
    "Client reported reaching out to {pos} {person} on {day}, which {outcome}.",
    "Client noticed {sym2} mostly in the late afternoon and on weekends.",
    "Client reported using {skill} twice when distress rose, rating it as {helpful}.",
    "Client reported no alcohol use this week and one cup of coffee a day.",
    "Client reported drinking two glasses of wine on {day} to fall asleep and wants to stop that.",
    "Client reported an argument with {pos} {person} about {topic}, resolved by {day}.",
    "Client reported feeling more able to say no to extra tasks at work.",
    "Client reported going to bed at a regular time on {k} nights.",
)
MEDICATION = (
    "Client reported taking medication as prescribed, with no side effects this week.",
    "Client reported missing two evening doses of {pos} prescribed medication while traveling.",
    ("Client reported {pos} prescriber adjusted the dose last week; mild nausea for two days, now resolved."),
    "Client is not taking psychiatric medication and declined a medication evaluation for now.",
    "Client reported consistent medication adherence using a weekly pill organizer.",
    "No medication changes since the last session; adherence reported as good.",
    "Client has an appointment with {pos} psychiatric prescriber next month; no changes so far.",
)
SLEEP = (
    "two awakenings a night",
    "trouble falling asleep before midnight",
    ("restful sleep on weekends only"),
    "an afternoon nap most days",
    "early waking at 5 a.m.",
    "no nightmares",
    "screen use in bed until late",
    "a consistent wake time",
)
APPETITE = (
    "reduced, skipping breakfast most days",
    "normal, eating three meals a day",
    "increased, snacking in the evening",
    "variable, depending on the work schedule",
    "improved compared with last month",
)
WORK = (
    "busy but manageable",
    "stressful because of a new deadline",
    "quieter this week",
    "harder to face on Monday mornings",
    "going better since talking with {pos} manager",
    "tiring, with two extra shifts",
)
OUTCOMES = (
    "went better than expected",
    "ended early when client felt tired",
    "led to plans for the weekend",
    "helped client feel less alone",
    "was brief but positive",
)
TOPICS = (
    "household chores",
    "holiday plans",
    "money",
    "screen time",
    "visiting relatives",
    "weekend plans",
    "a shared car",
)
HELPFUL = ("somewhat helpful", "helpful", "very helpful", "a little helpful")
INTERVENTIONS = (
    "Completed a thought record with client about {stress}, identifying the automatic thought, evidence and an alternative.",
    "Planned graded steps toward {act}, starting with ten minutes on two days.",
    "Reviewed the pros and cons of the current coping strategy with client.",
    "Validated client's frustration about slow progress and reframed setbacks as data.",
    "Used a values card sort to connect {act} with what matters to client.",
    "Practiced a grounding exercise using the five senses, then debriefed.",
    "Explored early warning signs of relapse and wrote them on a coping card.",
    "Reviewed sleep hygiene: fixed wake time, no screens in bed, caffeine before noon only.",
    "This writer used {skill} to address {goal}, linking the exercise to {pos} {sym_short}.",
    "Introduced {skill2}; client practiced it once in session with this writer's coaching.",
    "Reviewed last week's homework and problem-solved the two days it was not completed.",
    "Provided psychoeducation on the link between {sym_short} and avoidance.",
    'Used Socratic questioning to examine the thought "{quote_short}".',
    "Reviewed the sleep diary with client and identified a later screen-off time as a target.",
    "Practiced {skill} in session for about ten minutes, with a distress rating before and after.",
    "Explored the events around {stress}, using a chain analysis of thoughts, feelings and actions.",
    "Reinforced progress toward {goal} with specific feedback on the steps client took.",
    "Used motivational interviewing to explore ambivalence about {act}.",
    "Collaboratively updated the activity schedule for the coming week.",
    "Reviewed the safety plan and confirmed crisis line numbers are saved in client's phone.",
    "Taught paced breathing (inhale 4, exhale 6) and practiced three rounds.",
    "Role-played a conversation with {pos} {person} using assertive communication.",
)
RESPONSES = (
    "Client identified an alternative thought and rated belief in it at {n}0 percent.",
    "Client said the graded plan felt manageable and chose {day} for the first step.",
    "Client was guarded at first and opened up after the topic shifted to {act}.",
    "Client reported feeling calmer after the practice and said {pos} shoulders felt looser.",
    "Client disagreed with one step of the plan, and the step was adjusted together.",
    "Client summarized the session's main point accurately at the end.",
    "Client engaged actively and was able to describe the skill back in {pos} own words.",
    "Client was initially hesitant but completed the exercise and rated distress lower afterward.",
    "Client responded well, identifying two situations this week to practice the skill.",
    "Client asked thoughtful questions and wrote down the steps.",
    "Client's distress rating dropped from {d1} to {d2} out of 10 during the practice.",
    "Client agreed with the link between {sym_short} and {pos} sleep pattern.",
    ("Client became tearful while discussing {stress_short}, then was able to regroup with grounding."),
    "Client was receptive to feedback and identified one barrier to homework completion.",
    "Client laughed when recognizing the pattern and said it was familiar.",
    "Client demonstrated the breathing technique correctly without prompting.",
    "Client reported the role-play felt awkward but useful and plans to try it this week.",
)
ASSESSMENT = (
    "Client shows increasing ability to notice {sym_short} early and use skills before it escalates.",
    "Sleep disruption continues to amplify daytime symptoms; sleep remains a treatment target.",
    "Interpersonal stress with {pos} {person} is a recurring trigger, now identified by client.",
    "Client's engagement and homework completion predict continued benefit from the current approach.",
    "Symptom pattern does not suggest a change of diagnosis at this time.",
    "Avoidance has decreased, as shown by client completing {act} despite {sym2}.",
    "Symptoms remain consistent with {dx} ({dxname}); {trend}.",
    "Presentation today is consistent with {dx}, with {sym_short} as the most impairing symptom.",
    "Progress toward {goal} ({goal_short}) is {progress}.",
    "Client's {sym_short} appears linked to {stress_short}, which maintains the symptoms.",
    "Client is making {progress} progress overall and continues to benefit from weekly therapy.",
    "Functioning at work and home is {function} compared with intake.",
    "Avoidance of {act} continues to maintain low mood; gradual re-engagement remains indicated.",
    "Client's use of skills outside session is increasing, which supports continued CBT focus.",
    "Protective factors: {protect}.",
    "Medical necessity continues: symptoms still interfere with {domain}.",
)
TRENDS = (
    "symptoms are slightly improved compared with last month",
    ("symptoms are stable this week"),
    "symptoms worsened after the stressor but are returning to baseline",
    "gradual improvement continues",
    "symptoms are improved in intensity but not frequency",
)
PROGRESS = ("steady", "partial", "slow but measurable", "good", "mixed")
FUNCTION = ("improved", "somewhat improved", "unchanged", "better at home than at work")
PROTECT = (
    "close relationship with {pos} {person}, responsibility for a pet, and steady work",
    "engagement in treatment, future plans, and support from friends",
    "religious community, children, and a stable home",
    "a supportive {person}, hobbies, and no history of suicide attempts",
)
DOMAINS = (
    "work performance",
    "sleep and daily routine",
    "relationships at home",
    "social activities",
    "household tasks",
)
HOMEWORK = (
    "Client will track {sym_short} on a 0-10 scale each evening.",
    "Client will read the handout on {skill} and mark one question for next time.",
    "Client will plan one pleasant activity with {pos} {person}.",
    "Client will practice the breathing exercise twice a day for five minutes.",
    "Client will notice one situation where avoidance shows up and write it down.",
    "Client will complete a daily mood and activity log and bring it to the next session.",
    "Client will practice {skill} once a day, ideally before {pos} evening routine.",
    "Client will schedule {act} on at least three days this week.",
    "Client will keep phone out of the bedroom and turn off screens by 10 p.m.",
    "Client will use the worry period at 6 p.m. for 15 minutes each day.",
    "Client will complete one step of the exposure hierarchy and record distress ratings.",
    "Client will write down one helpful alternative thought each evening.",
    "Client will call {pos} {person} once this week to make a plan together.",
    "Client will keep a consistent wake time of 7 a.m., including weekends.",
    "Client will take a 15-minute walk on at least four days.",
)
NEXT_STEPS = (
    "Next session will review the log and adjust the plan for the following week.",
    "Will introduce {skill2} at the next session if homework is completed.",
    "Will reassess sleep and appetite at the next session.",
    "Continue weekly individual therapy per the treatment plan.",
    "Will repeat the {measure} in four weeks to monitor progress.",
    "Will coordinate with {pos} prescriber if symptoms worsen before the next session.",
    "Client will contact this writer or use the crisis line if symptoms worsen.",
    "Will review the treatment plan goals at the next plan review.",
    "Next session will continue {skill} and review homework.",
    "Will consider increasing session frequency if there is no improvement in two weeks.",
)
RISK_DENIED = (
    ("Client denied suicidal ideation, intent or plan and denied homicidal ideation when asked directly."),
    "Safety: client denied thoughts of harming self or others; no access concerns identified.",
    "Risk screening: denied suicidal and homicidal ideation; protective factors reviewed.",
    "When asked directly, client denied any thoughts of suicide or of harming others.",
    "Client denied SI/HI; no self-harm behavior since the last session.",
)
RISK_PASSIVE = (
    (
        'Client endorsed passive death wishes ("sometimes I wish I wouldn\'t wake up") on the PHQ-9 '
        "item 9, with no intent, plan or preparatory behavior; denied homicidal ideation. Risk "
        "assessed as {level}. Safety plan reviewed and updated; client identified two reasons for "
        "living and agreed to call the crisis line (988) if thoughts intensify."
    ),
    (
        "On PHQ-9 item 9 client reported passive thoughts of being better off dead on several days; "
        "denied intent, plan, or access to means; denied homicidal ideation. Risk level {level}. "
        "Collaboratively reviewed the written safety plan; client agreed to contact {pos} {person} "
        "and this writer if thoughts increase."
    ),
)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


class Dice(random.Random):
    """`random.Random` with `choice`, `randint`, `randrange(n)` and `sample` built on `random()`:
    several times faster and just as deterministic, which is what 250,000 notes need (the last
    bit of uniformity does not matter for made-up prose)."""

    def choice(self, seq):  # type: ignore[no-untyped-def,override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start, stop=None, step=1):  # type: ignore[no-untyped-def,override]
        if stop is None and step == 1:
            return int(self.random() * start)
        return super().randrange(start, stop, step)

    def sample(self, population, k, *, counts=None):  # type: ignore[no-untyped-def,override]
        size = len(population)
        if counts is not None or k > size:
            return super().sample(population, k, counts=counts)
        # Walk the pool from a random start with a random step coprime to its size: k distinct
        # items from two draws.
        steps = _coprime_steps(size)
        start = int(self.random() * size)
        step = steps[int(self.random() * len(steps))]
        return [population[(start + j * step) % size] for j in range(k)]


@functools.cache
def _coprime_steps(size: int) -> tuple[int, ...]:
    """Steps that visit every index of a pool of `size` before repeating."""
    return tuple(step for step in range(1, max(size, 2)) if math.gcd(step, size) == 1) or (1,)


def hhmm(minutes: int) -> str:
    """`615` → `"10:15"`."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def q(text: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def npi_for(number: int) -> str:
    """A 10-digit NPI with a valid Luhn check digit (prefix 80840), from a 9-digit base."""
    base = f"{number:09d}"
    digits = [int(c) for c in "80840" + base]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base + str((10 - total % 10) % 10)


def pronoun_words(pronouns: str) -> tuple[str, str]:
    """Possessive and object pronoun for a face-sheet pronoun string."""
    return {"she/her": ("her", "her"), "he/him": ("his", "him")}.get(pronouns, ("their", "them"))


def minutes_for(service: str, rng: random.Random) -> int:
    """Session minutes that fit the CPT band of `service`, in the realistic part of the band."""
    if service == "90832":
        return rng.randint(27, 37)
    if service == "90834":
        return rng.randint(42, 52)
    if service == "90837":
        return rng.randint(53, 60)
    if service == "90791":
        return rng.randint(55, 75)
    if service in ("90846", "90847"):
        return rng.randint(45, 55)
    if service == "90839":
        return rng.randint(45, 72)
    if service == "90853":
        return rng.choice((75, 80, 90))
    return rng.randint(8, 20)  # a phone contact


SESSION_MINUTES = {"90832": 30, "90834": 45, "90837": 53}


def make_clinicians(count: int, seed: int) -> list[Clinician]:
    """`count` fictional clinicians: the first eight from the fixed list, then made-up names."""
    rng = Dice(f"clinicians:{seed}")
    people = list(CLINICIANS)
    seen = {cid for cid, _, _ in people}
    while len(people) < count:
        first, last = rng.choice(CLINICIAN_FIRST), rng.choice(CLINICIAN_LAST)
        cid = (first[0] + last).lower()
        if cid in seen:
            cid = f"{cid}{len(people)}"
        seen.add(cid)
        people.append((cid, f"{first} {last}", rng.choice(CREDENTIALS)))
    result = []
    for i, (cid, name, cred) in enumerate(people[:count]):
        result.append(
            Clinician(
                id=cid,
                name=name,
                credential=cred,
                npi=npi_for(100000000 + (i * 7919 + seed * 104729) % 900000000),
                email=f"{cid}@example.invalid",
                note_format=NOTE_FORMATS[i % 4],
                runs_group=i % 2 == 0,
                number=i + 1,
            )
        )
    return result


# ---------------------------------------------------------------------------------------------
# Plan stage: who is seen when
# ---------------------------------------------------------------------------------------------


def new_client(clinician: Clinician, key: int, rng: random.Random) -> Client:
    """A client with a presenting problem, codes, schedule preferences and symptom levels."""
    profile = rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
    codes = [rng.choice(profile.codes)]
    if rng.random() < 0.35:
        codes.append(rng.choice(SECONDARY[profile.key]))
    service = rng.choices(("90837", "90834", "90832"), weights=(40, 50, 10))[0]
    severe = codes[0] in ("F33.1", "F32.1", "F43.12")
    length = rng.random()
    weeks = (
        rng.randint(8, 16) if length < 0.3 else rng.randint(16, 40) if length < 0.75 else rng.randint(40, 110)
    )
    return Client(
        clinician=clinician,
        key=key,
        profile=profile,
        diagnoses=tuple(dict.fromkeys(codes)),
        service=service,
        modality=rng.choices(("in-person", "video", "mixed"), weights=(70, 20, 10))[0],
        weekday=rng.randrange(5),
        slot=rng.randrange(9),
        weeks=weeks,
        payer=rng.choices([p.id for p in PAYERS] + [SELF_PAY], weights=(45, 25, 20, 10))[0],
        in_group=clinician.runs_group and profile.key in ("depression", "anxiety", "social"),
        phq_base=rng.randint(14, 21) if severe else rng.randint(7, 16),
        gad_base=rng.randint(8, 17),
        gain=rng.uniform(0.25, 0.7),
    )


def telehealth(client: Client, rng: random.Random) -> tuple[str, str]:
    """Modality and place (`office`, `home`, `elsewhere`) of one session of `client`."""
    if client.modality == "in-person":
        return ("video", "home") if rng.random() < 0.04 else ("in-person", "office")
    if client.modality == "mixed" and rng.random() < 0.5:
        return "in-person", "office"
    roll = rng.random()
    if roll < 0.06:
        return "audio", "home"
    if roll < 0.2:
        return "video", "elsewhere"
    return "video", "home"


def level(base: int, gain: float, session_no: int, top: int, rng: random.Random) -> int:
    """A symptom score that improves with treatment, with week-to-week noise."""
    improved = base * (1 - gain * (1 - 0.93**session_no))
    return max(0, min(top, round(improved + rng.uniform(-2.5, 2.5))))


def add_measures(visit: Visit, rng: random.Random) -> None:
    """The plan's measures (PHQ-9, GAD-7) at intake, every individual session and discharge:
    measurement-based care, as the plan-measure check expects."""
    client = visit.client
    if visit.kind not in ("intake", "discharge", *NOTE_FORMATS):
        return
    measures = plan_measures(client)
    if "phq9" in measures:
        total = level(client.phq_base, client.gain, visit.session_no, 27, rng)
        item9 = 0
        if total >= 10 and rng.random() < 0.025:
            item9 = 1 if rng.random() < 0.85 else 2
        visit.phq9 = (total, item9)
    if "gad7" in measures:
        visit.gad7 = level(client.gad_base, client.gain, visit.session_no, 21, rng)


def plan_measures(client: Client) -> tuple[str, ...]:
    """The instruments the client's plan tracks."""
    found = list(client.profile.measures)
    if "phq9" not in found and client.diagnoses[0].startswith("F33"):
        found.append("phq9")
    return tuple(found)


AddVisit = Callable[[Visit], bool]  # adds a visit to the plan; False once the budget is spent


@dataclass
class ClinicianPlan:
    """Everything planned for one clinician, on the virtual calendar until shifted."""

    clinician: Clinician
    clients: list[Client]
    visits: list[Visit]
    groups: list[GroupSession]


def plan_clinician(clinician: Clinician, budget: int, seed: int) -> ClinicianPlan:
    """Week by week: admit clients up to a caseload, see them, discharge them, until `budget`
    notes are planned."""
    rng = Dice(f"plan:{seed}:{clinician.id}")
    caseload = rng.randint(18, 24)
    clients: list[Client] = []
    visits: list[Visit] = []
    groups: list[GroupSession] = []
    active: list[Client] = []
    group_id = f"{WEEKDAYS[1 + len(clinician.id) % 3].lower()}-group-{clinician.number}"
    group_day = 1 + len(clinician.id) % 3
    week = 0

    def add(visit: Visit) -> bool:
        if len(visits) >= budget:
            return False
        visits.append(visit)
        visit.client.visits.append(visit)
        if visit.service is not None and visit.kind != "group":
            visit.client.sessions += 1
        return True

    while len(visits) < budget:
        monday = VIRTUAL_MONDAY + timedelta(weeks=week)
        week += 1
        if week > 4 and rng.random() < 0.035:  # clinician's vacation week
            continue
        admitted = 0
        while len(active) < caseload and admitted < 4 and len(visits) < budget:
            client = new_client(clinician, len(clients), rng)
            client.intake = monday + timedelta(days=client.weekday)
            clients.append(client)
            active.append(client)
            admitted += 1
            add(
                Visit(
                    client,
                    "intake",
                    client.intake,
                    minutes_for("90791", rng),
                    "90791",
                    slot=client.slot,
                    session_no=1,
                )
            )
        for client in list(active):
            if client.intake >= monday:
                continue
            if not plan_week(client, monday, rng, add):
                break
            if client.discharge is not None:
                active.remove(client)
        if clinician.runs_group:
            plan_group(clinician, group_id, group_day, monday, active, rng, groups, add, budget, visits)
    return ClinicianPlan(clinician, clients, visits, groups)


def plan_week(client: Client, monday: date, rng: random.Random, add: AddVisit) -> bool:
    """One week of `client`: a session of some type, a cancellation, a call, or nothing.
    False when the budget is spent."""
    day = monday + timedelta(days=client.weekday)
    billable = client.sessions
    if (day - client.intake).days // 7 >= client.weeks:
        modality, place = telehealth(client, rng)
        added = add(
            Visit(
                client,
                "discharge",
                day,
                minutes_for(client.service, rng),
                client.service,
                modality,
                place,
                client.slot,
                session_no=billable + 1,
            )
        )
        if added:
            client.discharge = day
        return added
    roll = rng.random()
    if roll < 0.05:
        return add(Visit(client, "cancellation", day, 0, None, slot=client.slot))
    if roll < 0.09:
        return True  # holiday or client away: no note
    if roll < 0.105:
        kind, service = "crisis", "90839"
    elif roll < 0.135:
        kind, service = "family", "90847" if rng.random() < 0.8 else "90846"
    else:
        kind = client.clinician.note_format if rng.random() < 0.85 else rng.choice(NOTE_FORMATS)
        service = client.service
    modality, place = telehealth(client, rng) if kind != "crisis" else ("in-person", "office")
    visit = Visit(
        client,
        kind,
        day,
        minutes_for(service, rng),
        service,
        modality,
        place,
        client.slot,
        session_no=billable + 1,
        private=rng.random() < 0.04,
    )
    if not add(visit):
        return False
    if rng.random() < 0.03:
        call_day = monday + timedelta(days=(client.weekday + 1) % 5)
        return add(
            Visit(
                client,
                "contact",
                call_day,
                minutes_for("contact", rng),
                None,
                slot=rng.randrange(9),
            )
        )
    return True


def plan_group(
    clinician: Clinician,
    group_id: str,
    weekday: int,
    monday: date,
    active: list[Client],
    rng: random.Random,
    groups: list[GroupSession],
    add: AddVisit,
    budget: int,
    visits: list[Visit],
) -> None:
    """This week's group session, when at least three members attend (at most twelve)."""
    day = monday + timedelta(days=weekday)
    members = [c for c in active if c.in_group and c.intake < day and c.discharge is None]
    present = [c for c in members[:10] if rng.random() < 0.85]
    present = present[: min(12, budget - len(visits))]
    if len(present) < 3:
        return
    session = GroupSession(
        group_id, len(groups) % 5, day, clinician, present, minutes=minutes_for("90853", rng)
    )
    groups.append(session)
    for client in present:
        billable = client.sessions
        add(
            Visit(
                client,
                "group",
                day,
                session.minutes,
                "90853",
                slot=8,
                group=session,
                session_no=billable,
            )
        )


def shift_plan(plan: ClinicianPlan, last_day: date) -> None:
    """Move a clinician's calendar by whole weeks so the newest note falls in the last week."""
    newest = max((v.day for v in plan.visits), default=VIRTUAL_MONDAY)
    weeks = (last_day - newest).days // 7
    delta = timedelta(weeks=weeks)
    for visit in plan.visits:
        visit.day += delta
    for group in plan.groups:
        group.day += delta
    for client in plan.clients:
        client.intake += delta
        if client.discharge is not None:
            client.discharge += delta


def schedule_days(visits: Iterable[Visit], rng: random.Random) -> None:
    """Give every timed visit a start so one clinician's sessions never overlap on a day."""
    by_day: dict[date, list[Visit]] = {}
    for visit in visits:
        if visit.minutes:
            by_day.setdefault(visit.day, []).append(visit)
    for day in sorted(by_day):
        items = sorted(by_day[day], key=lambda v: (v.slot, v.kind == "group", v.client.key))
        cursor = 8 * 60 + rng.choice((0, 15, 30, 45, 60))
        done: dict[int, int] = {}
        for visit in items:
            if visit.group is not None:
                key = id(visit.group)
                if key not in done:
                    done[key] = max(cursor, 17 * 60 + 30) + rng.randint(0, 5)
                    visit.group.start = done[key]
                    cursor = done[key] + visit.minutes + rng.randint(5, 15)
                visit.start = done[key]
                continue
            visit.start = cursor + rng.randint(0, 7)
            cursor = visit.start + visit.minutes + rng.randint(5, 15)


def plan_treatment(client: Client, last_day: date) -> None:
    """Plan dates: at intake, then renewed every 84 days while the client is in care."""
    end = client.discharge or last_day
    day = client.intake
    client.plans = []
    while day <= end:
        client.plans.append(day)
        day += timedelta(days=PLAN_RENEW_DAYS)


def assign_people(clients: list[Client], seed: int) -> None:
    """Codes in order of intake, and unique fictional names, birth dates and member ids."""
    rng = Dice(f"people:{seed}")
    clients.sort(key=lambda c: (c.intake, c.clinician.id, c.key))
    width = max(4, len(str(len(clients))))
    used: set[str] = set()
    for number, client in enumerate(clients, start=1):
        client.code = f"C{number:0{width}d}"
        for attempt in range(50):
            first, pronouns = rng.choice(FIRST_NAMES)
            name = f"{first} {rng.choice(LAST_NAMES)}"
            if attempt > 40:
                name = f"{first} {chr(65 + rng.randrange(26))}. {rng.choice(LAST_NAMES)}"
            if name not in used:
                break
        used.add(name)
        client.name, client.pronouns = name, pronouns
        age_days = rng.randint(19 * 365, 72 * 365)
        client.dob = client.intake - timedelta(days=age_days)
        if client.payer != SELF_PAY:
            client.member_id = f"{client.payer[:2].upper()}{rng.randint(1000000, 9999999)}"


def mark_problems(visits: list[Visit], rate: float, seed: int) -> int:
    """Give `rate` of the notes one typical documentation fault; returns how many."""
    if rate <= 0:
        return 0
    rng = Dice(f"problems:{seed}")
    count = 0
    for visit in visits:
        if rng.random() < rate:
            kinds = [k for k in PROBLEM_KINDS if applies(k, visit)]
            if kinds:
                visit.problem = rng.choice(kinds)
                count += 1
    return count


def applies(kind: str, visit: Visit) -> bool:
    """Whether a fault of `kind` can be injected into `visit`."""
    billable = visit.service is not None
    if kind == "minutes":
        return visit.service in SESSION_MINUTES
    if kind in ("no-risk", "category-code"):
        return billable and visit.kind != "group"
    if kind == "unsigned":
        return visit.day < LAST_DAY - timedelta(days=7)
    if kind == "no-plan-section":
        return visit.kind in NOTE_FORMATS
    return True


# ---------------------------------------------------------------------------------------------
# Render stage: front matter and clinical prose
# ---------------------------------------------------------------------------------------------

HISTORY = (
    (
        "Client reports first noticing similar symptoms in {pos} early twenties, treated with "
        "outpatient counseling for about a year."
    ),
    ("No prior psychiatric hospitalizations; one previous course of therapy that client found helpful."),
    (
        "Medical history: seasonal allergies and occasional migraines; primary care visit within the "
        "last six months."
    ),
    ("Family history of depression in a parent and of alcohol use disorder in a grandparent, per client."),
    "Client lives with {pos} {person} and works full time; finances described as tight but stable.",
    "Client completed a two-year degree and has worked in the same field for several years.",
    "Substance use: alcohol one to two drinks a week; denies cannabis or other drug use.",
    "No legal history reported. No history of abuse disclosed at this time.",
    "Client identifies {pos} {person} and two friends as main supports.",
    "Sleep has been disrupted for about three months; appetite changes for about six weeks.",
)
REFERRALS = (
    "self-referred after searching the payer directory",
    ("referred by {pos} primary care physician"),
    "referred by the employee assistance program",
    ("referred by a former therapist who relocated"),
    "encouraged by {pos} {person} to seek treatment",
)
GROUP_THEMES = (
    "Coping with low energy",
    "Managing worry",
    "Challenging unhelpful thoughts",
    "Sleep and mood",
    "Staying connected",
    "Values and small steps",
    "Self-compassion",
    "Handling setbacks",
    "Assertive communication",
    "Relapse prevention",
)
GROUP_INTERVENTIONS = (
    "Facilitated a check-in round with a 0-10 mood rating from each member.",
    "Led psychoeducation on the cycle of avoidance and low mood, with a handout.",
    "Guided a ten-minute paced breathing and grounding practice.",
    "Facilitated small-group practice of thought records using a sample situation.",
    "Assigned a between-session activity schedule and reviewed barriers.",
    "Used role-play to practice assertive requests; members gave structured feedback.",
    "Closed with a round of one commitment each for the coming week.",
    "Reviewed group agreements on confidentiality and respectful feedback.",
)
GROUP_PARTICIPATION = (
    "Client attended the full session and participated in the check-in, rating mood {n} of 10.",
    "Client contributed two examples from the week during the skills discussion.",
    "Client was quiet during the first half and spoke when invited, describing {sym_short}.",
    'Client practiced the thought record with the group and identified the thought "{quote_short}".',
    "Client offered supportive feedback to another member without giving advice.",
    "Client took part in the role-play and reported it felt uncomfortable but useful.",
    "Client arrived on time, sat near the door, and maintained fair eye contact with the group.",
    "Client related the theme to {pos} own experience of {stress_short}.",
    "Client committed to {act} twice this week as {pos} between-session goal.",
)
FAMILY_NOTES = (
    "Explored the pattern of conflict around {topic} and how each person responds.",
    "Used circular questioning to identify how {sym_short} affects household routines.",
    "Coached both participants in a speaker-listener exercise for ten minutes.",
    "Provided psychoeducation on {dxname} for the family and answered questions.",
    "Agreed on two concrete ways the family can support the treatment goals this week.",
    "Identified a recurring interaction in which criticism leads to withdrawal.",
    "Participants practiced validating statements with this writer's coaching.",
)
CRISIS_EVENTS = (
    (
        "Client called the office requesting an urgent session after {stress}, reporting acute "
        "distress and crying most of the morning."
    ),
    "Client arrived for an unscheduled session after a panic episode at work and {stress}.",
    ("Client requested a same-day session following {stress}; reported not sleeping the night before."),
)
CRISIS_STEPS = (
    (
        "Conducted a structured suicide risk assessment (ideation, intent, plan, means, history, "
        "protective factors)."
    ),
    "Used grounding and paced breathing until client's distress dropped from {d1} to {d2} out of 10.",
    (
        "Completed a collaborative safety plan: warning signs, coping steps, people and places for "
        "distraction, supports, professional contacts and 988."
    ),
    "Discussed means safety; client agreed that {pos} {person} will hold medications this week.",
    "Contacted {pos} {person} with client's consent, who agreed to stay with client tonight.",
    "Scheduled a follow-up session within 48 hours and a check-in call tomorrow.",
)
CONTACT_NOTES = (
    (
        "Phone call with client's psychiatric prescriber (release on file) to coordinate care; shared "
        "that client reports {sym_short}; prescriber will see client next week."
    ),
    "Phone call with client to reschedule next week's appointment; no clinical concerns raised.",
    (
        "Client called between sessions reporting {sym_short}; reviewed coping skills by phone and "
        "confirmed the next appointment. Client denied suicidal ideation."
    ),
    (
        "Phone call with client's primary care office (release on file) to request recent lab results "
        "and share the treatment plan summary."
    ),
    "Returned client's voicemail about a billing question; referred to the front desk.",
)
CANCEL_NOTES = (
    (
        "Client cancelled less than 24 hours before the appointment because of illness; rescheduled "
        "for next week."
    ),
    (
        "No-show: client did not attend the scheduled session. This writer called and left a "
        "voicemail asking client to call back to reschedule."
    ),
    "Client cancelled because of a work schedule change; next appointment confirmed.",
    "Client cancelled because of a sick child at home; appointment rescheduled.",
    "No-show. Client texted an hour later to apologize and confirm the next appointment.",
)
PRIVATE_NOTES = (
    (
        "Noticed client's quick apology whenever disagreeing with me; hypothesis that this mirrors "
        "the relationship with a critical parent."
    ),
    (
        "I felt protective and a little hurried today; check whether I am rescuing instead of "
        "letting client find the next step."
    ),
    (
        "Possible theme: competence is safe, need is not. Watch for it when client talks about asking "
        "for help."
    ),
    "Client's humor covers grief. Next time, slow down when the jokes start.",
    (
        "Rupture and repair: client was annoyed at my reminder about homework; we named it and client "
        "stayed engaged. Consider consultation on pacing."
    ),
    (
        "Countertransference: boredom in the middle of the session, probably shared withdrawal. Bring "
        "the here-and-now into the room."
    ),
)
TELEHEALTH_LINES = {
    "home": "Session held by secure video; client confirmed being at home in a private room, "
    "identity and location verified at the start.",
    "elsewhere": "Session held by secure video; client joined from a private location away from "
    "home (see client_location) and confirmed privacy.",
    "audio": "Session held by telephone (audio only) because video was not possible; reason "
    "documented; client confirmed being alone at home.",
}
MEASURE_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}
INTAKE_RISK = (
    "Suicide and violence risk screening completed: client denied current or past suicidal "
    "ideation, intent or plan, and denied homicidal ideation."
)
FAMILY_RELATIONS = (
    "partner",
    "spouse",
    "sister",
    "brother",
    "mother",
    "father",
    "adult son",
    "adult daughter",
    "ex-spouse (co-parent)",
)
DISCHARGE_OUTCOMES = (
    "Goal {goal} and the related objectives were met by client report and measures.",
    "Client reports being able to use {skill} independently when {sym_short} returns.",
    "Functioning at work and at home has returned to client's usual level.",
    "Client identified early warning signs of relapse and the steps to take.",
    "Symptoms are now in the minimal to mild range and no longer impair daily functioning.",
)
VAGUE = "Client seems upset and appeared to be doing worse overall."


SIMPLE_FILLERS: dict[str, Sequence[str]] = {
    "person": RELATIONS,
    "act": ACTIVITIES,
    "day": WEEKDAYS,
    "sleep": SLEEP,
    "appetite": APPETITE,
    "outcome": OUTCOMES,
    "topic": TOPICS,
    "helpful": HELPFUL,
    "mood": MOOD_WORDS,
    "good_mood": GOOD_MOODS,
    "trend": TRENDS,
    "progress": PROGRESS,
    "function": FUNCTION,
    "domain": DOMAINS,
}
MSE_FULL = (APPEARANCE, BEHAVIOR, SPEECH, AFFECT, THOUGHT, COGNITION, INSIGHT)
MSE_SHORT = MSE_FULL[:5]
SAME_AS = {"sym_short": "sym", "stress_short": "stress"}
NUMBER_FILLERS = {"n": (3, 8), "hrs": (4, 8), "k": (2, 6), "k2": (0, 4), "d1": (5, 9)}


class Words(dict[str, str]):
    """Fillers for one note's sentence templates, drawn only when a template asks for one
    (`str.format_map` calls `__missing__`), and then the same for the whole note."""

    def __init__(self, client: Client, rng: random.Random) -> None:
        super().__init__()
        self.client = client
        self.rng = rng
        self["pos"], self["obj"] = pronoun_words(client.pronouns)

    def __missing__(self, key: str) -> str:
        value = self.draw(key)
        self[key] = value
        return value

    def other(self, pool: Sequence[str], taken: str) -> str:
        """An item of `pool` other than `taken`."""
        value = self.rng.choice(pool)
        while value == taken:
            value = self.rng.choice(pool)
        return value

    def draw(self, key: str) -> str:
        """A fresh value for `key`."""
        rng, client = self.rng, self.client
        if key in SIMPLE_FILLERS:
            return rng.choice(SIMPLE_FILLERS[key])
        if key in NUMBER_FILLERS:
            return str(rng.randint(*NUMBER_FILLERS[key]))
        profile = client.profile
        if key in SAME_AS:
            return self[SAME_AS[key]]
        if key == "sym":
            return rng.choice(profile.symptoms)
        if key == "sym2":
            return self.other(profile.symptoms, self["sym"])
        if key == "skill":
            return rng.choice(profile.skills)
        if key == "skill2":
            return self.other(profile.skills, self["skill"])
        if key == "quote":
            return rng.choice(profile.quotes)
        if key == "quote_short":
            return self["quote"].rstrip(".!")
        if key == "stress":
            return rng.choice(STRESSORS).format(pos=self["pos"], person=rng.choice(RELATIONS))
        if key == "work":
            return rng.choice(WORK).format(pos=self["pos"])
        if key == "protect":
            return rng.choice(PROTECT).format(pos=self["pos"], person=rng.choice(RELATIONS))
        if key == "goal":
            return rng.choice(list(plan_goals(client)))
        if key == "goal_short":
            text = plan_goals(client)[self["goal"]]
            return text[0].lower() + text[1:].rstrip(".")
        if key == "measure":
            return "PHQ-9" if "phq9" in plan_measures(client) else "GAD-7"
        if key == "dx":
            return client.diagnoses[0]
        if key == "dxname":
            return DX_NAMES[client.diagnoses[0]]
        if key == "d2":
            return str(int(self["d1"]) - rng.randint(2, 4))
        raise KeyError(key)


@dataclass
class Rendered:
    """Counts of what one clinician's render wrote."""

    notes: int = 0
    groups: int = 0
    plans: int = 0
    private: int = 0
    files: int = 0


class NoteWriter:
    """Renders the records of one clinician's clients with one random stream."""

    def __init__(self, root: Path, payers: dict[str, Payer], rng: random.Random) -> None:
        self.root = root
        self.payers = payers
        self.rng = rng
        self.counts = Rendered()

    # -- words -----------------------------------------------------------------------------

    def pick(self, pool: Sequence[str], count: int, w: dict[str, str]) -> list[str]:
        """`count` distinct sentences from `pool`, filled in (`Dice.sample`, inlined: hot)."""
        size = len(pool)
        steps = _coprime_steps(size)
        draw = self.rng.random
        start = int(draw() * size)
        step = steps[int(draw() * len(steps))]
        return [pool[(start + j * step) % size].format_map(w) for j in range(min(count, size))]

    def mse(self, w: dict[str, str], full: bool = True) -> list[str]:
        """Mental status exam sentences, one per domain."""
        draw = self.rng.random
        domains = MSE_FULL if full else MSE_SHORT
        return [pool[int(draw() * len(pool))].format_map(w) for pool in domains]

    def risk_text(self, visit: Visit, risk: dict[str, str] | None, w: dict[str, str]) -> str:
        """The body's safety sentence, matching the front matter risk block."""
        if risk is None or risk["suicidal"] == "denied":
            return self.rng.choice(RISK_DENIED)
        if risk["suicidal"] == "active":
            return (
                "Client reported active suicidal thoughts today without a specific plan or intent "
                "to act, and denied homicidal ideation. Risk level high. " + risk["safety_plan"] + "."
            )
        if visit.kind == "crisis":
            return (
                "Client reported passive suicidal ideation since the event (wishing not to wake up), "
                f"with no intent, plan or preparatory behavior; denied homicidal ideation. Risk level "
                f"{risk['level']}. Safety plan: {risk['safety_plan']}."
            )
        w["level"] = risk["level"]
        return self.rng.choice(RISK_PASSIVE).format_map(w)

    def measure_text(self, visit: Visit) -> str:
        """A sentence on today's PHQ-9 / GAD-7, compared with the previous score."""
        parts = []
        if visit.phq9 is not None:
            total, item9 = visit.phq9
            parts.append(f"PHQ-9 total {total} ({phq_band(total)}), item 9 = {item9}")
        if visit.gad7 is not None:
            parts.append(f"GAD-7 total {visit.gad7} ({gad_band(visit.gad7)})")
        if not parts:
            return ""
        opening = self.rng.choice(
            (
                "Measures administered today: ",
                "Client completed the self-report measures in the waiting room: ",
                "Scores reviewed with client in session: ",
            )
        )
        closing = (
            ""
            if visit.kind == "intake"
            else self.rng.choice(
                (
                    " Scores were compared with the previous administration and graphed with client.",
                    " Client was shown the trend since intake.",
                    "",
                )
            )
        )
        return opening + "; ".join(parts) + "." + closing

    # -- front matter ----------------------------------------------------------------------

    def risk_for(self, visit: Visit) -> dict[str, str] | None:
        """The risk block: passive ideation whenever PHQ-9 item 9 is above 0; crisis varies."""
        rng = self.rng
        if visit.phq9 is not None and visit.phq9[1] > 0:
            return {
                "suicidal": "passive",
                "homicidal": "denied",
                "level": rng.choice(("low", "moderate")),
                "safety_plan": "safety plan reviewed and updated; crisis line 988 confirmed",
            }
        if visit.kind == "crisis":
            roll = rng.random()
            if roll < 0.6:
                return {
                    "suicidal": "passive",
                    "homicidal": "denied",
                    "level": "moderate",
                    "safety_plan": "written safety plan completed in session; follow-up in 48 hours",
                }
            if roll < 0.8:
                return {
                    "suicidal": "active",
                    "homicidal": "denied",
                    "level": "high",
                    "safety_plan": "safety plan completed, means secured by family member, "
                    "psychiatric evaluation arranged for tomorrow",
                }
        return {"suicidal": "denied", "homicidal": "denied", "level": "low"}

    def front_matter(
        self, visit: Visit, risk: dict[str, str] | None, signed: str | None, next_day: date | None
    ) -> list[str]:
        """Front matter lines of a session note."""
        client = visit.client
        lines = [
            "---",
            "record: note",
            f"type: {visit.kind}",
            f"client: {client.code}",
            f"date: {visit.day.isoformat()}",
        ]
        if visit.group is not None:
            lines.append(f"group: {visit.group.group}")
        if visit.minutes:
            lines += [
                f'start: "{hhmm(visit.start)}"',
                f'end: "{hhmm(visit.start + visit.minutes)}"',
            ]
        if visit.service is not None:
            lines += self.billing_lines(visit)
            dx = note_diagnoses(visit)
            lines.append(f"diagnoses: [{', '.join(dx)}]")
            if visit.kind in NOTE_FORMATS or visit.kind == "discharge":
                lines.append(f"goals: [{', '.join(self.goal_ids(client))}]")
            if risk is not None:
                lines += [
                    "risk:",
                    f"  suicidal: {risk['suicidal']}",
                    f"  homicidal: {risk['homicidal']}",
                    f"  level: {risk['level']}",
                ]
                if "safety_plan" in risk:
                    lines.append(f"  safety_plan: {q(risk['safety_plan'])}")
            measures = []
            if visit.phq9 is not None:
                measures.append(f"  phq9: {{total: {visit.phq9[0]}, item9: {visit.phq9[1]}}}")
            if visit.gad7 is not None:
                measures.append(f"  gad7: {{total: {visit.gad7}}}")
            if measures:
                lines += ["measures:", *measures]
        lines.append(f"clinician: {client.clinician.id}")
        if visit.service is not None:
            lines.append(f"session: {visit.session_no}")
        if next_day is not None:
            lines.append(f"next_appointment: {next_day.isoformat()}")
        lines.append(f"template: {visit.kind}@1")
        if signed is not None:
            lines.append(f'signed: {{by: {client.clinician.id}, at: "{signed}"}}')
        lines.append("---")
        return lines

    def billing_lines(self, visit: Visit) -> list[str]:
        """Service, add-ons, modifiers, place of service and telehealth fields."""
        payer = self.payers.get(visit.client.payer, Payer(SELF_PAY, "Self-pay"))
        service = visit.service or ""
        if visit.problem == "minutes":
            service = {"90834": "90837", "90837": "90832", "90832": "90834"}[service]
        modifiers: list[str] = []
        pos, location, reason = "11", "null", "null"
        town = TOWNS[visit.client.key % len(TOWNS)]
        if visit.modality == "video":
            modifiers = [payer.video_modifier]
            if visit.place == "elsewhere":
                pos = "02"
                location = q(f"{ELSEWHERE[visit.client.key % len(ELSEWHERE)]}, {town}")
            else:
                pos, location = "10", q(f"home, {town}")
        elif visit.modality == "audio":
            modifiers, pos, location = [payer.audio_modifier], "10", q(f"home, {town}")
            reason = q(self.rng.choice(AUDIO_REASONS))
        return [
            f'service: "{service}"',
            "addons: []",
            f"modifiers: [{', '.join(q(m) for m in modifiers)}]",
            f'pos: "{pos}"',
            f"modality: {visit.modality}",
            f"client_location: {location}",
            f"audio_only_reason: {reason}",
        ]

    def goal_ids(self, client: Client) -> list[str]:
        """One or two goals of the plan in force that this session worked on."""
        ids = list(plan_goals(client))
        return sorted(self.rng.sample(ids, min(len(ids), self.rng.choice((1, 2, 2)))))

    # -- bodies ----------------------------------------------------------------------------

    def body(
        self,
        visit: Visit,
        risk: dict[str, str] | None,
        next_day: date | None,
        others: Sequence[str],
    ) -> list[tuple[str, list[str]]]:
        """The note's `## Section`s as (heading, sentences)."""
        w = Words(visit.client, self.rng)
        risk_line = self.risk_text(visit, risk, w)
        measure_line = self.measure_text(visit)
        tele = self.telehealth_line(visit)
        plan = self.plan_section(visit, w, next_day)
        kind = visit.kind
        if kind == "soap":
            sections = [
                ("Subjective", self.report(w, 6)),
                ("Objective", tele + self.mse(w)),
                (
                    "Assessment",
                    self.pick(ASSESSMENT, 3, w)
                    + [measure_line]
                    + self.pick(INTERVENTIONS, 3, w)
                    + self.pick(RESPONSES, 2, w)
                    + [risk_line],
                ),
                ("Plan", plan),
            ]
        elif kind == "dap":
            sections = [
                (
                    "Data",
                    tele
                    + self.report(w, 5)
                    + self.mse(w)
                    + self.pick(INTERVENTIONS, 3, w)
                    + self.pick(RESPONSES, 2, w),
                ),
                ("Assessment", self.pick(ASSESSMENT, 4, w) + [measure_line, risk_line]),
                ("Plan", plan),
            ]
        elif kind == "birp":
            sections = [
                ("Behavior", tele + self.report(w, 5) + self.mse(w)),
                ("Intervention", self.pick(INTERVENTIONS, 4, w)),
                (
                    "Response",
                    self.pick(RESPONSES, 3, w) + self.pick(ASSESSMENT, 2, w) + [measure_line, risk_line],
                ),
                ("Plan", plan),
            ]
        elif kind == "girp":
            goals = plan_goals(visit.client)
            sections = [
                (
                    "Goal",
                    [f"{gid}: {text}" for gid, text in goals.items()][:2]
                    + tele
                    + self.report(w, 4)
                    + self.mse(w),
                ),
                ("Intervention", self.pick(INTERVENTIONS, 4, w)),
                (
                    "Response",
                    self.pick(RESPONSES, 3, w) + self.pick(ASSESSMENT, 2, w) + [measure_line, risk_line],
                ),
                ("Plan", plan),
            ]
        else:
            sections = self.other_body(visit, w, risk_line, measure_line, tele, plan)
        return self.apply_problem(visit, sections, w, others)

    def report(self, w: dict[str, str], count: int) -> list[str]:
        """Client's report of the week, with a medication line most of the time."""
        lines = self.pick(REPORT, count, w)
        if self.rng.random() < 0.7:
            lines.append(self.rng.choice(MEDICATION).format_map(w))
        return lines

    def telehealth_line(self, visit: Visit) -> list[str]:
        """How a telehealth session was held, or nothing for office sessions."""
        if visit.modality == "audio":
            return [TELEHEALTH_LINES["audio"]]
        if visit.modality == "video":
            return [TELEHEALTH_LINES[visit.place]]
        return []

    def plan_section(self, visit: Visit, w: dict[str, str], next_day: date | None) -> list[str]:
        """Homework, next steps and the next appointment."""
        lines = self.pick(HOMEWORK, 3, w) + self.pick(NEXT_STEPS, 2, w)
        if next_day is not None:
            lines.append(f"Next appointment: {next_day.isoformat()}.")
        return lines

    def other_body(
        self,
        visit: Visit,
        w: dict[str, str],
        risk_line: str,
        measure_line: str,
        tele: list[str],
        plan: list[str],
    ) -> list[tuple[str, list[str]]]:
        """Bodies of intake, discharge, group, family, crisis, contact and cancellation notes."""
        kind = visit.kind
        if kind == "intake":
            return [
                (
                    "Presenting Problem",
                    [
                        (
                            f"Client was {rng_fmt(self.rng, REFERRALS, w)} and reports {w['sym']} and "
                            f"{w['sym2']} over the past several months."
                        ),
                        f'Client stated, "{w["quote"]}"',
                        *self.report(w, 2),
                    ],
                ),
                ("History", self.pick(HISTORY, 5, w)),
                ("Mental Status", tele + self.mse(w)),
                (
                    "Risk",
                    [
                        risk_line if risk_line not in RISK_DENIED else INTAKE_RISK,
                        (
                            "No history of suicide attempts or self-harm reported; no "
                            "access to firearms reported."
                        ),
                        f"Protective factors: {w['protect']}.",
                    ],
                ),
                (
                    "Diagnosis",
                    [f"{code} {DX_NAMES[code]}." for code in visit.client.diagnoses]
                    + [
                        "Diagnosis based on the clinical interview, history and screening measures.",
                        measure_line,
                    ],
                ),
                (
                    "Plan",
                    [
                        (
                            f"Weekly individual psychotherapy, {SESSION_MINUTES[visit.client.service]}"
                            "-minute sessions; treatment plan completed today with client."
                        )
                    ]
                    + plan,
                ),
            ]
        if kind == "discharge":
            first = next((v for v in visit.client.visits if v.phq9 or v.gad7), None)
            return [
                (
                    "Summary",
                    [
                        (
                            f"Client attended {visit.session_no} sessions from intake on "
                            f"{visit.client.intake.isoformat()} to today."
                        ),
                        f"Treatment focused on {w['skill']} and {w['skill2']}.",
                        tele_join(tele),
                        *self.mse(w, full=False),
                    ],
                ),
                (
                    "Outcome",
                    [
                        outcome_line(first, visit),
                        measure_line,
                        *self.pick(DISCHARGE_OUTCOMES, 3, w),
                        risk_line,
                    ],
                ),
                (
                    "Recommendations",
                    [
                        (
                            "Client and this writer agreed that treatment goals were sufficiently met to "
                            "end regular sessions."
                        ),
                        (f"Continue {w['skill']} independently; relapse-prevention plan given in writing."),
                        (
                            "Client may return to care at any time; crisis line 988 and the office number "
                            "reviewed."
                        ),
                        "Continue medication management with the prescriber as applicable.",
                    ],
                ),
            ]
        if kind == "group":
            return [
                (
                    "Notes",
                    [f"Group session: {GROUP_THEMES[visit.group.theme]}." if visit.group else ""]
                    + self.pick(GROUP_PARTICIPATION, 5, w)
                    + self.mse(w)
                    + self.pick(RESPONSES, 2, w)
                    + [measure_line, risk_line]
                    + self.pick(HOMEWORK, 2, w)
                    + ([f"Next appointment: {plan[-1].split(': ')[-1]}"] if plan else []),
                )
            ]
        if kind == "family":
            relative = self.rng.choice(FAMILY_RELATIONS)
            w["person"] = relative
            if visit.service == "90847":
                who = f"client and {w['pos']} {relative}"
                seen = self.mse(w, full=False) + self.pick(RESPONSES, 2, w)
            else:
                who = f"client's {relative} without client present"
                seen = [
                    f"The {relative} was cooperative and described the home situation in detail.",
                    f"The {relative} reported that {w['sym']} has been noticeable at home.",
                ]
                risk_line = (
                    f"Client was not present; the {relative} reported no statements or behavior "
                    "suggesting a risk of harm to self or others."
                )
            return [
                (
                    "Notes",
                    [f"Family session with {who} ({visit.service})."]
                    + tele
                    + self.pick(FAMILY_NOTES, 5, w)
                    + seen
                    + [risk_line]
                    + plan,
                )
            ]
        if kind == "crisis":
            return [
                (
                    "Notes",
                    [rng_fmt(self.rng, CRISIS_EVENTS, w)]
                    + self.mse(w)
                    + self.pick(CRISIS_STEPS, 4, w)
                    + [risk_line]
                    + ["Disposition: client left the session calmer and agreed to the safety plan."]
                    + plan,
                )
            ]
        if kind == "contact":
            return [("Notes", [rng_fmt(self.rng, CONTACT_NOTES, w)])]
        return [
            (
                "Notes",
                [rng_fmt(self.rng, CANCEL_NOTES, w)]
                + ([f"Next appointment: {plan[-1].split(': ')[-1]}"] if plan else []),
            )
        ]

    def apply_problem(
        self,
        visit: Visit,
        sections: list[tuple[str, list[str]]],
        w: dict[str, str],
        others: Sequence[str],
    ) -> list[tuple[str, list[str]]]:
        """Inject the visit's documentation fault into the body, if it has one."""
        if visit.problem == "no-plan-section":
            return [s for s in sections if s[0] != "Plan"]
        if visit.problem == "vague":
            sections[0][1].insert(0, VAGUE)
        elif visit.problem == "other-name" and others:
            name = self.rng.choice(others)
            sections[0][1].append(f"Client mentioned that {name} called {w['obj']} this week.")
        return sections


def rng_fmt(rng: random.Random, pool: Sequence[str], w: dict[str, str]) -> str:
    """One filled-in sentence from `pool`."""
    return rng.choice(pool).format_map(w)


def tele_join(lines: list[str]) -> str:
    """The telehealth line, or an empty string."""
    return lines[0] if lines else ""


def phq_band(total: int) -> str:
    """PHQ-9 severity band."""
    return (
        "minimal"
        if total < 5
        else "mild"
        if total < 10
        else "moderate"
        if total < 15
        else "moderately severe"
        if total < 20
        else "severe"
    )


def gad_band(total: int) -> str:
    """GAD-7 severity band."""
    return "minimal" if total < 5 else "mild" if total < 10 else "moderate" if total < 15 else "severe"


def outcome_line(first: Visit | None, last: Visit) -> str:
    """Change in measures from the first to the final administration."""
    if first is None or first is last:
        return "Outcome measures were not repeated during this episode of care."
    parts = []
    if first.phq9 and last.phq9:
        parts.append(f"PHQ-9 from {first.phq9[0]} to {last.phq9[0]}")
    if first.gad7 is not None and last.gad7 is not None:
        parts.append(f"GAD-7 from {first.gad7} to {last.gad7}")
    if not parts:
        return "Symptoms improved by client report and clinical observation."
    return "Change since intake: " + "; ".join(parts) + "."


def plan_goals(client: Client) -> dict[str, str]:
    """The goals (id → text) of the client's treatment plans."""
    goals = client.profile.goals[: 2 + client.key % 2]
    return {f"G{i}": text for i, text in enumerate(goals, start=1)}


def note_diagnoses(visit: Visit) -> list[str]:
    """The codes a note carries: the face sheet's, or the primary only; a category on purpose."""
    codes = list(visit.client.diagnoses)
    if visit.kind in ("group", "family", "crisis") and len(codes) > 1:
        codes = codes[:1]
    if visit.problem == "category-code":
        codes[0] = CATEGORY_CODES.get(codes[0], codes[0][:3])
    return codes


# ---------------------------------------------------------------------------------------------
# Writing files
# ---------------------------------------------------------------------------------------------


def sign_time(end: datetime, rng: random.Random) -> datetime:
    """When the clinician signed: the same evening, or the next morning, within 24 hours."""
    if rng.random() < 0.6:
        return end + timedelta(minutes=rng.randint(10, 120))
    morning = datetime.combine(end.date() + timedelta(days=1), datetime.min.time())
    moment = morning + timedelta(minutes=rng.randint(7 * 60 + 30, 10 * 60 + 30))
    return min(moment, end + timedelta(hours=23, minutes=50))


def stamp(moment: datetime) -> str:
    """`2026-03-04T20:15`."""
    return moment.isoformat(timespec="minutes")


def signature_line(clinician: Clinician, moment: datetime) -> str:
    """The body's closing signature line."""
    return (
        f"Electronically signed by {clinician.name}, {clinician.credential} on "
        f"{stamp(moment).replace('T', ' ')}"
    )


def compose(front: list[str], sections: list[tuple[str, list[str]]], signature: str | None) -> str:
    """Front matter, `## Section` paragraphs and the signature line as one file's text."""
    out = list(front)
    for heading, sentences in sections:
        out += ["", f"## {heading}", " ".join(s for s in sentences if s)]
    if signature:
        out += ["", signature]
    return "\n".join(out) + "\n"


def write(path: str | Path, text: str) -> None:
    """Write one record (UTF-8, LF line ends); os-level calls, as this runs 250,000 times."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


class PracticeWriter(NoteWriter):
    """Writes a clinician's face sheets, plans, notes, group records and psychotherapy notes."""

    def __init__(
        self, root: Path, payers: dict[str, Payer], rng: random.Random, last_day: date = LAST_DAY
    ) -> None:
        super().__init__(root, payers, rng)
        self.unsigned_from = last_day - timedelta(days=UNSIGNED_DAYS - 1)

    def client(self, client: Client, others: Sequence[str]) -> None:
        """Everything of one client."""
        folder = os.path.join(self.root, "notes", client.code)  # str paths: pathlib is slow here
        os.makedirs(folder, exist_ok=True)
        write(os.path.join(folder, "client.md"), face_sheet(client))
        self.counts.files += 1
        for day in client.plans:
            write(os.path.join(folder, f"plan-{day}.md"), self.treatment_plan(client, day))
            self.counts.plans += 1
            self.counts.files += 1
        visits = sorted(client.visits, key=lambda v: (v.day, v.start, v.kind))
        appointments = [v.day for v in visits if v.kind != "contact"]
        used: set[str] = set()
        others = [o for o in others if o != client.name]
        for visit in visits:
            name = unique_name(f"{visit.day}-{visit.kind}", used)
            write(
                os.path.join(folder, f"{name}.md"),
                self.note(visit, next_after(visit, appointments), others),
            )
            self.counts.notes += 1
            self.counts.files += 1
            if visit.private:
                self.private_note(visit)

    def note(self, visit: Visit, next_day: date | None, others: Sequence[str]) -> str:
        """One session note's text."""
        risk = None if visit.service is None else self.risk_for(visit)
        if visit.problem == "no-risk":
            risk = None
        signed_at = self.signed_at(visit)
        front = self.front_matter(visit, risk, stamp(signed_at) if signed_at else None, next_day)
        sections = self.body(visit, risk, next_day, others)
        signature = signature_line(visit.client.clinician, signed_at) if signed_at else None
        return compose(front, sections, signature)

    def signed_at(self, visit: Visit) -> datetime | None:
        """The signature time, or None while unsigned (the last days, or an injected fault)."""
        if visit.day >= self.unsigned_from or visit.problem == "unsigned":
            self.rng.random()  # keep the stream aligned with signed notes
            return None
        base = datetime.combine(visit.day, datetime.min.time())
        if not visit.minutes:  # a cancellation: written after the missed appointment
            return base + timedelta(minutes=9 * 60 + visit.slot * 60 + self.rng.randint(20, 180))
        return sign_time(base + timedelta(minutes=visit.start + visit.minutes), self.rng)

    def treatment_plan(self, client: Client, day: date) -> str:
        """A treatment plan renewed before its review date."""
        renewal = day != client.intake
        goals = plan_goals(client)
        group = client.plan_modality == "group"
        minutes = 90 if group else SESSION_MINUTES[client.service]
        front = [
            "---",
            "record: plan",
            f"client: {client.code}",
            f"date: {day.isoformat()}",
            f"review_by: {(day + timedelta(days=PLAN_REVIEW_DAYS)).isoformat()}",
            f"clinician: {client.clinician.id}",
            f"modality: {client.plan_modality}",
            "frequency: weekly",
            f"session_minutes: {minutes}",
            f"duration: {self.rng.choice(('6 months', '12 months'))}",
            f"diagnoses: [{', '.join(client.diagnoses)}]",
            "goals:",
            *[f"  {gid}: {q(text)}" for gid, text in goals.items()],
            f"measures: [{', '.join(plan_measures(client))}]",
        ]
        moment = datetime.combine(day, datetime.min.time()) + timedelta(
            minutes=self.rng.randint(17 * 60, 19 * 60)
        )
        signed = day < self.unsigned_from
        if signed:
            front.append(f'signed: {{by: {client.clinician.id}, at: "{stamp(moment)}"}}')
        front.append("---")
        w = Words(client, self.rng)
        first, *rest = client.diagnoses
        problems = [f"{first}: {DX_NAMES[first]}, with {w['sym']} and {w['sym2']}."]
        problems += [
            f"{code}: {DX_NAMES[code]}, secondary; symptoms as documented at intake." for code in rest
        ]
        if renewal:
            problems.append(
                f"Plan reviewed with client; {w['progress']} progress since the last plan, {w['trend']}."
            )
        sections = [
            ("Problems", problems),
            (
                "Objectives",
                [f"{gid}: {text}" for gid, text in goals.items()]
                + [
                    (
                        f"Progress measured with {', '.join(MEASURE_NAMES[m] for m in plan_measures(client))} "
                        "every four sessions."
                    )
                ],
            ),
            (
                "Interventions",
                [f"{s[0].upper()}{s[1:]}." for s in client.profile.skills[:4]]
                + [f"Weekly {client.plan_modality} psychotherapy, {minutes} minutes."],
            ),
        ]
        return compose(front, sections, signature_line(client.clinician, moment) if signed else None)

    def private_note(self, visit: Visit) -> None:
        """A psychotherapy note kept apart from the record."""
        folder = self.root / "private" / visit.client.code
        folder.mkdir(parents=True, exist_ok=True)
        text = (
            "\n".join(
                [
                    "---",
                    "record: psychotherapy",
                    f"client: {visit.client.code}",
                    f"date: {visit.day.isoformat()}",
                    f"clinician: {visit.client.clinician.id}",
                    "---",
                    "",
                    " ".join(self.rng.sample(PRIVATE_NOTES, 2)),
                ]
            )
            + "\n"
        )
        write(folder / f"{visit.day.isoformat()}.md", text)
        self.counts.private += 1
        self.counts.files += 1

    def group(self, session: GroupSession) -> None:
        """The shared record of one group session."""
        folder = self.root / "notes" / "groups" / session.group
        folder.mkdir(parents=True, exist_ok=True)
        end = session.start + session.minutes
        front = [
            "---",
            "record: group",
            f"group: {session.group}",
            f"date: {session.day.isoformat()}",
            f'start: "{hhmm(session.start)}"',
            f'end: "{hhmm(end)}"',
            'service: "90853"',
            'pos: "11"',
            "modality: in-person",
            f"clinician: {session.clinician.id}",
            f"members: [{', '.join(sorted(c.code for c in session.members))}]",
        ]
        moment = None
        if session.day < self.unsigned_from:
            moment = sign_time(
                datetime.combine(session.day, datetime.min.time()) + timedelta(minutes=end),
                self.rng,
            )
            front.append(f'signed: {{by: {session.clinician.id}, at: "{stamp(moment)}"}}')
        front.append("---")
        sections = [
            (
                "Theme",
                [f"{GROUP_THEMES[session.theme]}.", f"{len(session.members)} members attended."],
            ),
            ("Interventions", self.rng.sample(GROUP_INTERVENTIONS, 4)),
        ]
        signature = signature_line(session.clinician, moment) if moment else None
        write(folder / f"{session.day.isoformat()}-group.md", compose(front, sections, signature))
        self.counts.groups += 1
        self.counts.files += 1


def unique_name(stem: str, used: set[str]) -> str:
    """`stem`, or `stem-2`, `stem-3` … when a client has two notes of one type on one day."""
    name, n = stem, 1
    while name in used:
        n += 1
        name = f"{stem}-{n}"
    used.add(name)
    return name


def next_after(visit: Visit, appointments: list[date]) -> date | None:
    """The client's next appointment after `visit` (`appointments` sorted): the next scheduled
    one, else a week later."""
    if visit.kind == "discharge":
        return None
    index = bisect.bisect_right(appointments, visit.day)
    return appointments[index] if index < len(appointments) else visit.day + timedelta(days=7)


def face_sheet(client: Client) -> str:
    """The client's face sheet: the only record that holds the name."""
    status = "discharged" if client.discharge is not None else "active"
    member = q(client.member_id) if client.member_id else "null"
    lines = [
        "---",
        "record: client",
        f"client: {client.code}",
        f"name: {client.name}",
        f"dob: {client.dob.isoformat()}",
        f"pronouns: {client.pronouns}",
        f"clinician: {client.clinician.id}",
        f"payer: {client.payer}",
        f"member_id: {member}",
        f"diagnoses: [{', '.join(client.diagnoses)}]",
        f"status: {status}",
        f"intake_date: {client.intake.isoformat()}",
        "---",
        "",
        "## Contact",
        "",
        (
            f"Preferred phone: (312) 555-01{client.key % 100:02d} (fictional). Emergency contact: "
            f"{RELATIONS[client.key % len(RELATIONS)]}, (312) 555-01{(client.key + 37) % 100:02d}."
        ),
    ]
    return "\n".join(lines) + "\n"


def settings_text(name: str, clinicians: Sequence[Clinician], code_width: int = 4) -> str:
    """The practice's `chartkeep.toml`."""
    lines = [
        f"practice_name = {q(name)}",
        'timezone = "America/Chicago"',
        f'client_code_pattern = "C[0-9]{{{code_width}}}"',
        "note_deadline_hours = 72",
        f"plan_review_days = {PLAN_REVIEW_DAYS}",
    ]
    for c in clinicians:
        lines += [
            "",
            f"[clinicians.{c.id}]",
            f"name = {q(c.name)}",
            f"credential = {q(c.credential)}",
            f'npi = "{c.npi}"',
            f"email = {q(c.email)}",
        ]
    for p in PAYERS:
        lines += [
            "",
            f"[payers.{p.id}]",
            f"name = {q(p.name)}",
            'telehealth_pos_home = "10"',
            'telehealth_pos_elsewhere = "02"',
            f'video_modifier = "{p.video_modifier}"',
            f'audio_modifier = "{p.audio_modifier}"',
            "repeat_intake_days = 180",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The whole practice
# ---------------------------------------------------------------------------------------------

_JOBS: list[ClinicianPlan] = []  # set before forking render workers


def render(plan: ClinicianPlan, root: Path, seed: int, last_day: date = LAST_DAY) -> Rendered:
    """Write every record of one clinician."""
    writer = PracticeWriter(
        root,
        {p.id: p for p in PAYERS},
        Dice(f"render:{seed}:{plan.clinician.id}"),
        last_day,
    )
    measures = Dice(f"measures:{seed}:{plan.clinician.id}")
    for visit in plan.visits:  # here, not in the plan stage, so workers share the cost
        add_measures(visit, measures)
    names = [c.name for c in plan.clients]
    for client in plan.clients:
        writer.client(client, names)
    for session in plan.groups:
        writer.group(session)
    return writer.counts


def _render_job(args: tuple[int, str, int, date]) -> Rendered:
    index, root, seed, last_day = args
    return render(_JOBS[index], Path(root), seed, last_day)


def plan_practice(
    notes: int, seed: int, last_day: date = LAST_DAY, clinicians: int | None = None
) -> list[ClinicianPlan]:
    """Plan stage for a whole practice: clinicians, clients, visits, dates, times and codes."""
    count = clinicians or max(1, round(notes / NOTES_PER_CLINICIAN))
    clinicians_ = make_clinicians(count, seed)
    share, extra = divmod(notes, count)
    plans = [plan_clinician(c, share + (i < extra), seed) for i, c in enumerate(clinicians_)]
    for plan in plans:
        shift_plan(plan, last_day)
    assign_people([c for p in plans for c in p.clients], seed)
    for plan in plans:
        plan.clients.sort(key=lambda c: c.code)
        schedule_days(plan.visits, Dice(f"schedule:{seed}:{plan.clinician.id}"))
        for client in plan.clients:
            plan_treatment(client, last_day)
    return plans


def generate(
    root: Path,
    notes: int,
    seed: int = 1,
    problems: float = 0.0,
    *,
    last_day: date = LAST_DAY,
    workers: int | None = None,
    clinicians: int | None = None,
) -> GeneratedPractice:
    """Write a fictional practice with exactly `notes` session notes into `root` (new or empty).

    `clinicians` defaults to one per 3,000 notes (about three years of a full caseload);
    `workers` to the number of CPUs (used from 5,000 notes on; the bytes are the same)."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root}: not empty; generate into a new directory")
    root.mkdir(parents=True, exist_ok=True)
    plans = plan_practice(notes, seed, last_day, clinicians)
    injected = sum(mark_problems(p.visits, problems, seed + i) for i, p in enumerate(plans))
    clients = sum(len(p.clients) for p in plans)
    width = max(4, len(str(clients)))
    write(
        root / "chartkeep.toml",
        settings_text("Riverbend Counseling (fictional)", [p.clinician for p in plans], width),
    )
    counts = render_all(plans, root, seed, last_day, workers, notes)
    return GeneratedPractice(
        root=root,
        clinicians=len(plans),
        clients=clients,
        notes=sum(c.notes for c in counts),
        group_sessions=sum(c.groups for c in counts),
        plans=sum(c.plans for c in counts),
        psychotherapy_notes=sum(c.private for c in counts),
        problems=injected,
        files=1 + sum(c.files for c in counts),
    )


def render_all(
    plans: list[ClinicianPlan],
    root: Path,
    seed: int,
    last_day: date,
    workers: int | None,
    notes: int,
) -> list[Rendered]:
    """Render every clinician, in worker processes for large practices (output is the same)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or notes < PARALLEL_FROM or len(plans) < 2 or sys.platform == "win32":
        return [render(p, root, seed, last_day) for p in plans]
    import multiprocessing

    _JOBS[:] = plans
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            jobs = [(i, str(root), seed, last_day) for i in range(len(plans))]
            return list(pool.map(_render_job, jobs))
    finally:
        _JOBS.clear()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m chartkeep.demo_data DIR --notes N --seed S [--problems RATE]`."""
    parser = argparse.ArgumentParser(
        prog="python -m chartkeep.demo_data",
        description="Write a fictional practice (all names made up) for demos and benchmarks.",
    )
    parser.add_argument("directory", type=Path, help="new or empty directory to write into")
    parser.add_argument("--notes", type=int, default=300, help="session notes to write (300)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same bytes (1)")
    parser.add_argument(
        "--problems",
        type=float,
        default=0.0,
        help="fraction of notes with an injected documentation fault (0)",
    )
    args = parser.parse_args(argv)
    if args.notes < 1 or not 0 <= args.problems <= 1:
        parser.error("--notes must be at least 1 and --problems between 0 and 1")
    try:
        result = generate(args.directory, args.notes, args.seed, args.problems)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{result.root}: {result.clinicians} clinicians, {result.clients} clients, "
        f"{result.notes} notes, {result.group_sessions} group sessions, {result.plans} plans, "
        f"{result.psychotherapy_notes} psychotherapy notes, {result.problems} with problems, "
        f"{result.files} files"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
