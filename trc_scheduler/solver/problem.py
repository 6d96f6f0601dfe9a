"""The validated input of the engine: a ``trc-instance/1`` as typed dataclasses.

``load_problem`` checks an instance in three passes and stops after the first
pass that finds anything: the JSON Schema (``schema.py``), then references
(ids unique within their kind, every id pointing at something), then sense
(windows not inverted, shifts not overlapping, ...). All errors of that pass
are collected into one ``ProblemError``: its ``field``/``message`` are the
first error's and ``errors`` lists every ``(field, message)`` of the pass.

Times are kept both as aware datetimes and as integer minutes from a fixed
origin, ``horizon.start`` (minute 0). Minutes are real elapsed minutes between
instants, so a night shift across a daylight-saving change lasts 660 or 780.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .schema import validate


class ProblemError(ValueError):
    """An instance that is malformed or inconsistent; names the offending field."""

    def __init__(self, field: str, message: str,
                 errors: list[tuple[str, str]] | None = None):
        self.field = field
        self.message = message
        self.errors = errors if errors else [(field, message)]
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    start_min: int
    end_min: int


@dataclass(frozen=True)
class Room:
    id: str
    name: str


@dataclass(frozen=True)
class Bed:
    id: str
    room: str
    features: frozenset[str]


@dataclass(frozen=True)
class Shift:
    id: str
    start: datetime
    end: datetime
    start_min: int
    end_min: int
    min_staff: dict[str, int]
    min_skill: dict[str, int]

    @property
    def minutes(self) -> int:
        return self.end_min - self.start_min


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    roles: frozenset[str]
    skills: frozenset[str]
    max_shifts: int
    max_minutes: int
    min_rest_minutes: int
    max_consecutive_days: int | None
    unavailable: tuple[Interval, ...]
    preferred_off: frozenset[str]
    fixed_shifts: frozenset[str]


@dataclass(frozen=True)
class Participant:
    id: str
    study: str | None
    sex: str
    age_group: str


@dataclass(frozen=True)
class Segment:
    from_minutes: int
    to_minutes: int
    load_percent: int
    skills: frozenset[str]


@dataclass(frozen=True)
class Task:
    id: str
    label: str
    offset_minutes: int
    duration_minutes: int
    role: str
    count: int


@dataclass(frozen=True)
class Visit:
    id: str
    participant: str
    study: str | None
    label: str
    duration_minutes: int
    earliest_start: datetime
    latest_start: datetime
    target_start: datetime | None
    start_step_minutes: int
    needs_bed: bool
    mandatory: bool
    priority: int
    bed_features: frozenset[str]
    nursing: tuple[Segment, ...]
    tasks: tuple[Task, ...]
    fixed_start: datetime | None
    fixed_bed: str | None
    earliest_min: int
    latest_min: int
    target_min: int | None
    fixed_start_min: int | None

    def anchor_offset(self, anchor: str) -> int:
        """Return minutes from the visit's start to a precedence anchor."""
        if anchor == "start":
            return 0
        if anchor == "end":
            return self.duration_minutes
        return next(t.offset_minutes for t in self.tasks if t.id == anchor)


@dataclass(frozen=True)
class Precedence:
    before: str
    after: str
    before_anchor: str
    after_anchor: str
    min_gap_minutes: int
    max_gap_minutes: int | None
    why: str


@dataclass(frozen=True)
class PreviousVisit:
    visit: str
    start: datetime
    start_min: int
    bed: str | None


@dataclass(frozen=True)
class Previous:
    visits: dict[str, PreviousVisit]
    shifts: frozenset[tuple[str, str]] | None  # None: no previous.shifts given


@dataclass(frozen=True)
class Weights:
    unscheduled: int
    target_hour: int
    continuity: int
    preferred_off: int
    changed_visit: int
    changed_shift: int


@dataclass(frozen=True)
class Policies:
    room_sharing: str
    default_load_percent: int
    max_admissions_per_shift: int


@dataclass(frozen=True)
class Problem:
    """A validated instance; all ``*_min`` values count minutes from ``horizon_start``."""

    raw: dict = field(repr=False)
    id: str
    unit_name: str
    tz: ZoneInfo
    horizon_start: datetime
    horizon_end: datetime
    horizon_minutes: int
    turnover_minutes: int
    admission_from: int  # local minute of day, inclusive
    admission_to: int  # local minute of day, exclusive
    policies: Policies
    weights: Weights
    rooms: dict[str, Room]
    beds: dict[str, Bed]
    shifts: tuple[Shift, ...]  # sorted by start
    staff: dict[str, Staff]
    participants: dict[str, Participant]
    visits: dict[str, Visit]
    precedences: tuple[Precedence, ...]
    previous: Previous

    def minutes(self, when: datetime) -> int:
        """Return whole minutes from the horizon start to an aware datetime."""
        return int((when - self.horizon_start).total_seconds() // 60)

    def at(self, minute: int) -> datetime:
        """Return the aware local datetime ``minute`` minutes after the origin."""
        return (self.horizon_start + timedelta(minutes=minute)).astimezone(self.tz)

    def group(self, visit_id: str) -> tuple[str, str]:
        """Return the (sex, age group) of a visit's participant: who may share a room (H4)."""
        person = self.participants[self.visits[visit_id].participant]
        return person.sex, person.age_group

    def shift(self, shift_id: str) -> Shift:
        """Return the shift with this id."""
        return next(s for s in self.shifts if s.id == shift_id)


def load_problem(data: dict) -> Problem:
    """Validate a ``trc-instance/1`` dict and return it as a ``Problem``."""
    from ._load import build_problem, reference_errors, sense_errors

    for phase in (validate, reference_errors, sense_errors):
        errors = phase(data)
        if errors:
            raise ProblemError(errors[0][0], errors[0][1], errors)
    return build_problem(data)


def load_problem_file(path: str | Path) -> Problem:
    """Read, parse and validate an instance file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(str(path), f"cannot read the file ({exc.__class__.__name__}: {exc})") from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(str(path), f"is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    return load_problem(data)
