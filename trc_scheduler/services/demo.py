"""Seed a synthetic demo unit: 18 beds, 43 staff, six studies and weeks of visit requests.

Everything is invented: staff are "RN Avery 01", participants "SAD3-007", and
the sign-ins are printed by ``flask seed-demo``. Each seeded week imitates
``spec/instances/example-week.json``: a first-in-human cohort (2 sentinels dosed
48 h before the other 6), multi-dose stays, pediatric PK day stays, an isolation
challenge, infusions, a crossover with washout, outpatient screenings, leave,
and three stays in progress that began the week before, asking for about 80 %
of the bed time so that a week is busy but below capacity.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..errors import Conflict
from ..extensions import db
from ..models import (AgeGroup, Bed, BedClosure, ClosureReason, NursingSegment, Participant,
                      ParticipantStatus, Phase, PrecedenceKind, Role, Room, Sex, ShiftPattern,
                      StaffMember, StaffUnavailability, Study, StudyMember, StudyStatus, TemplateTask,
                      UnavailabilityKind, UnitSettings, User, VisitPrecedence, VisitRequest, VisitStatus,
                      VisitTemplate)
from .unit import generate_shifts, get_settings, local_instant

# Weeks the demo always covers, whatever today is: 2026-W48 and 2026-W49.
FIXED_WEEKS = (date(2026, 11, 23), date(2026, 11, 30))
SHIFT_WEEKS = 5

USERS = [  # (label, email, password, role, display name)
    ("admin", "admin@trc.demo", "demo-admin-2026", Role.admin, "Demo Administrator"),
    ("manager", "manager@trc.demo", "demo-manager-2026", Role.manager, "Demo Unit Manager"),
    ("investigator", "pi.sad@trc.demo", "demo-pi-sad-2026", Role.investigator, "Dr Demo SAD PI"),
    ("investigator", "pi.peds@trc.demo", "demo-pi-peds-2026", Role.investigator, "Dr Demo Peds PI"),
    ("nurse", "nurse@trc.demo", "demo-nurse-2026", Role.nurse, "RN Avery 01"),
]

# Rooms R01–R06 are single, R07–R12 double: (room, beds with their features).
ROOMS = [
    ("R01", [("B01", "isolation telemetry")]), ("R02", [("B02", "isolation telemetry")]),
    ("R03", [("B03", "isolation telemetry")]), ("R04", [("B04", "telemetry")]),
    ("R05", [("B05", "telemetry")]), ("R06", [("B06", "bariatric telemetry")]),
    ("R07", [("B07", "pediatric telemetry"), ("B08", "pediatric telemetry")]),
    ("R08", [("B09", "pediatric"), ("B10", "pediatric")]),
    ("R09", [("B11", "telemetry"), ("B12", "telemetry")]),
    ("R10", [("B13", "telemetry"), ("B14", "telemetry")]),
    ("R11", [("B15", "telemetry"), ("B16", "telemetry")]),
    ("R12", [("B17", ""), ("B18", "")]),
]

RN_NAMES = ("Avery Blake Casey Dakota Emerson Finley Gray Harper Jordan Kai Logan Morgan Noel Oakley "
            "Parker Quinn Reese Sage Taylor Rowan Wren Ellis Hayden Jamie Lane Marlow Peyton River "
            "Skyler Tatum").split()
RN_SKILLS = [
    "charge telemetry", "charge telemetry isolation", "charge pediatric", "charge telemetry chemo",
    "charge telemetry", "charge pediatric telemetry", "charge telemetry isolation", "charge telemetry",
    "telemetry", "telemetry isolation", "telemetry", "pediatric", "telemetry chemo", "telemetry",
    "pediatric telemetry", "telemetry isolation", "telemetry", "pediatric", "telemetry", "chemo pediatric",
    "telemetry isolation", "telemetry", "pediatric telemetry", "", "telemetry chemo", "pediatric",
    "telemetry isolation", "telemetry", "pediatric isolation", "chemo telemetry",
]
OTHER_STAFF = [  # (code prefix, role, title, names)
    ("MD", "MD", "MD", ["Alexis", "Bailey", "Cameron", "Devon"]),
    ("NP", "NP", "NP", ["Eden", "Frankie", "Glenn"]),
    ("PH", "pharmacist", "PharmD", ["Hollis", "Indy", "Jules"]),
    ("PB", "phlebotomist", "Phleb", ["Kendall", "Lennox", "Marley"]),
]
# ISO weekdays (1 = Monday) preferred off, cycled over the RNs.
PREFERRED_OFF = ([6, 7], [1], [5], [], [3], [], [7])

STUDIES = [  # (code, title, phase, first in human, PI, team)
    ("SAD3", "First-in-human single ascending dose of TRC-3", Phase.phase1, True, "pi.sad", []),
    ("MAD2", "Multiple ascending dose of TRC-2", Phase.phase1b, False, "pi.sad", ["pi.peds"]),
    ("PED1", "Pediatric pharmacokinetics of TRC-5 oral suspension", Phase.phase1, False, "pi.peds", []),
    ("CHIM1", "Controlled human infection challenge with a synthetic strain", Phase.phase2a, False,
     "pi.peds", ["pi.sad"]),
    ("INF2B", "Monthly TRC-7 infusion efficacy", Phase.phase2b, False, "pi.peds", []),
    ("XOV1", "Two-period crossover bioavailability of TRC-2 tablets", Phase.phase1, False, "pi.sad", []),
]


def _pk(*marks):
    """Return PK-sample task rows: (label suffix, offset) → 10-minute RN draws."""
    return [(f"pk-{name}", f"PK sample {name}", offset, 10, "RN", 1) for name, offset in marks]


SCREENING = ("Screening (outpatient)", 180, False, "", [(0, 180, 4, "")],
             [("hp", "History and physical", 15, 45, "NP", 1), ("ecg", "12-lead ECG", 30, 20, "RN", 1),
              ("labs", "Safety labs", 75, 15, "phlebotomist", 1)])


def _sad(name, ratio):
    """Return a SAD dosing stay: admit the day before, dose at +18 h, discharge after the 48 h sample."""
    return (name, 3990, True, "telemetry", [(0, 1080, 4, ""), (1080, 1800, ratio, "telemetry"),
                                           (1800, 3990, 4, "")],
            [("prep", "Pharmacy preparation", 1020, 45, "pharmacist", 1),
             ("ecg-pre", "Pre-dose ECG", 1050, 15, "RN", 1),
             ("dose", "Dosing (two-nurse check)", 1080, 20, "RN", 2),
             ("dose-md", "Physician at dosing", 1080, 30, "MD", 1)]
            + _pk(("0.5h", 1110), ("1h", 1140), ("2h", 1200), ("4h", 1320), ("8h", 1560),
                  ("24h", 2520), ("48h", 3960)))


CROSSOVER_TASKS = [("dose", "Dosing", 60, 15, "RN", 1)] + _pk(
    ("1h", 120), ("2h", 180), ("4h", 300), ("8h", 540), ("24h", 1500))
# Per study: (template name, minutes, needs bed, bed features, segments (from, to, ratio, skills), tasks).
TEMPLATES = {
    "SAD3": [_sad("Sentinel dosing stay", 1), _sad("Cohort dosing stay", 2), SCREENING],
    "MAD2": [
        ("Multi-dose stay", 6000, True, "telemetry", [(0, 6000, 3, "telemetry")],
         [("dose-d1", "First dose (two-nurse check)", 120, 20, "RN", 2)]
         + _pk(("d1-1h", 180), ("d1-2h", 240), ("d1-4h", 360))
         + [(f"dose-d{d}", f"Day {d} dose", 120 + (d - 1) * 1440, 15, "RN", 1) for d in (2, 3, 4)]
         + _pk(("d4-1h", 4500), ("d4-4h", 4680))
         + [("discharge-md", "Discharge review", 5880, 30, "MD", 1)]),
        ("Follow-up overnight", 1560, True, "", [(0, 1560, 4, "")],
         [("pk-fu", "Follow-up PK sample", 60, 10, "RN", 1),
          ("labs", "Safety labs", 90, 15, "phlebotomist", 1)]),
        SCREENING,
    ],
    "PED1": [("Pediatric PK day stay", 600, True, "pediatric", [(0, 600, 2, "pediatric")],
              [("dose", "Dosing", 60, 15, "RN", 1)]
              + _pk(("30m", 90), ("1h", 120), ("2h", 180), ("4h", 300), ("6h", 420)))],
    "CHIM1": [("Challenge and quarantine", 5760, True, "isolation",
               [(0, 720, 1, "isolation"), (720, 5760, 2, "")],
               [("inoculation", "Inoculation", 120, 30, "MD", 1)]
               + [(f"swab-d{d}", f"Day {d} swab", 120 + d * 1440, 15, "RN", 1) for d in (1, 2, 3)])],
    "INF2B": [("Infusion visit", 420, True, "", [(0, 420, 3, "chemo")],
               [("prep", "Pharmacy preparation", 0, 60, "pharmacist", 1),
                ("line", "IV start", 60, 20, "RN", 1)]),
              SCREENING],
    "XOV1": [("Crossover period 1", 1560, True, "", [(0, 1560, 4, "")], CROSSOVER_TASKS),
             ("Crossover period 2", 1560, True, "", [(0, 1560, 4, "")], CROSSOVER_TASKS)],
}


def seed_demo(force: bool = False, today: date | None = None) -> list[tuple[str, str, str]] | None:
    """Create the synthetic demo unit; return its sign-ins, or None when the unit already has data.

    With ``force`` the demo is added beside existing data, keeping the unit's settings and
    shift patterns, unless one of its codes or emails is taken (Conflict, nothing added).
    ``today`` fixes the clock (default: today in the unit zone).
    """
    settings = get_settings()
    if settings is not None and not force:
        return None
    _refuse_clashes()
    if settings is None:
        settings = UnitSettings(
            name="Translational Research Center (demo)", timezone="America/New_York", turnover_minutes=60,
            admission_from="07:00", admission_to="20:00", default_load_percent=25, max_admissions_per_shift=6,
            weight_unscheduled=1000, weight_target_hour=1, weight_continuity=5, weight_preferred_off=20,
            weight_changed_visit=200, weight_changed_shift=30)
        db.session.add(settings)
    tz = ZoneInfo(settings.timezone)
    today = today or datetime.now(tz).date()
    monday = today - timedelta(days=today.isoweekday() - 1)

    beds = _rooms_and_beds()
    if db.session.scalar(select(ShiftPattern.id).limit(1)) is None:
        db.session.add_all([
            ShiftPattern(code="D", name="Day", start_time="07:00", end_time="19:00",
                         min_staff={"RN": 4, "MD": 1, "pharmacist": 1}, min_skill={"charge": 1}),
            ShiftPattern(code="N", name="Night", start_time="19:00", end_time="07:00",
                         min_staff={"RN": 3}, min_skill={"charge": 1}),
        ])
    staff = _staff()
    users, logins = _users(staff["RN01"])
    db.session.flush()
    generate_shifts(users["admin@trc.demo"], monday, SHIFT_WEEKS * 7)
    generate_shifts(users["admin@trc.demo"], FIXED_WEEKS[0], 14)
    studies = _studies(users)
    counters: dict[str, int] = {}
    for index, week in enumerate(sorted({monday, monday + timedelta(days=7), *FIXED_WEEKS})):
        _Week(week, index, tz, studies, staff, beds, counters).seed()
    db.session.add(BedClosure(bed=beds["B17"], reason=ClosureReason.maintenance,
                              start=local_instant(monday + timedelta(days=1), "08:00", tz),
                              end=local_instant(monday + timedelta(days=2), "17:00", tz),
                              note="Bed motor replacement (demo)"))
    db.session.flush()
    return logins


def _refuse_clashes() -> None:
    """Raise Conflict if a code or email of the demo is already in use (nothing is seeded then)."""
    staff_codes = [f"RN{i:02d}" for i in range(1, 31)] + [
        f"{prefix}{i:02d}" for prefix, _, _, names in OTHER_STAFF for i in range(1, len(names) + 1)]
    checks = [(Room.code, [r for r, _ in ROOMS]), (Bed.code, [b for _, bs in ROOMS for b, _ in bs]),
              (StaffMember.code, staff_codes),
              (User.email, [u[1] for u in USERS]), (Study.code, [s[0] for s in STUDIES]),
              (Study.protocol_number, [_protocol(n) for n in range(1, len(STUDIES) + 1)])]
    for column, values in checks:
        taken = db.session.scalars(select(column).where(column.in_(values))).first()
        if taken is not None:
            raise Conflict(f"The demo cannot be added: {column.key} {taken!r} is already in use.")


def _protocol(n: int) -> str:
    return f"TRC-DEMO-{n:03d}"


def _rooms_and_beds() -> dict[str, Bed]:
    beds = {}
    for code, bed_rows in ROOMS:
        room = Room(code=code, name=f"Room {int(code[1:])}")
        db.session.add(room)
        for bed_code, features in bed_rows:
            beds[bed_code] = Bed(code=bed_code, room=room, features=features.split())
    db.session.add_all(beds.values())
    return beds


def _staff() -> dict[str, StaffMember]:
    staff = {}
    for i, (name, skills) in enumerate(zip(RN_NAMES, RN_SKILLS), start=1):
        shifts = 4 if i % 4 == 0 else 3
        staff[f"RN{i:02d}"] = StaffMember(
            code=f"RN{i:02d}", name=f"RN {name} {i:02d}", roles=["RN"], skills=skills.split(),
            max_shifts_per_week=shifts, max_minutes_per_week=shifts * 720, min_rest_minutes=660,
            max_consecutive_days=3, preferred_days_off=PREFERRED_OFF[i % len(PREFERRED_OFF)])
    for prefix, role, title, names in OTHER_STAFF:
        for i, name in enumerate(names, start=1):
            staff[f"{prefix}{i:02d}"] = StaffMember(
                code=f"{prefix}{i:02d}", name=f"{title} {name} {i:02d}", roles=[role], skills=[],
                max_shifts_per_week=4, max_minutes_per_week=48 * 60, min_rest_minutes=660,
                max_consecutive_days=3, preferred_days_off=[6, 7] if i == 1 else [])
    db.session.add_all(staff.values())
    return staff


def _users(nurse_staff: StaffMember):
    users, logins = {}, []
    for label, email, password, role, name in USERS:
        user = User(email=email, display_name=name, role=role,
                    staff=nurse_staff if role == Role.nurse else None)
        user.set_password(password)
        users[email] = user
        logins.append((label, email, password))
    db.session.add_all(users.values())
    return users, logins


def _studies(users) -> dict[str, tuple[Study, dict[str, VisitTemplate]]]:
    studies = {}
    for n, (code, title, phase, fih, pi, team) in enumerate(STUDIES, start=1):
        study = Study(code=code, title=title, protocol_number=_protocol(n), irb_number=f"IRB-26-{n:04d}",
                      sponsor="Synthetic Pharma (demo)", phase=phase, first_in_human=fih,
                      status=StudyStatus.active, pi=users[f"{pi}@trc.demo"],
                      color=("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2")[n - 1])
        study.members = [StudyMember(user=users[f"{m}@trc.demo"]) for m in team]
        templates = {}
        for name, minutes, needs_bed, features, segments, tasks in TEMPLATES[code]:
            template = VisitTemplate(study=study, name=name, duration_minutes=minutes, needs_bed=needs_bed,
                                     bed_features=features.split(), window_days_before=1,
                                     window_days_after=2, start_step_minutes=60)
            template.segments = [NursingSegment(from_minutes=a, to_minutes=b, ratio=r, skills=s.split())
                                 for a, b, r, s in segments]
            template.tasks = [TemplateTask(code=c, label=lbl, offset_minutes=o, duration_minutes=d, role=role,
                                           count=k) for c, lbl, o, d, role, k in tasks]
            templates[name] = template
        db.session.add(study)
        studies[code] = (study, templates)
    return studies


class _Week:
    """The visit requests, leave and stays in progress of one ISO week (Monday = day 0)."""

    def __init__(self, monday, index, tz, studies, staff, beds, counters):
        self.monday, self.index, self.tz = monday, index, tz
        self.studies, self.staff, self.beds, self.counters = studies, staff, beds, counters

    def at(self, day: int, hm: str) -> datetime:
        return local_instant(self.monday + timedelta(days=day), hm, self.tz)

    def person(self, code: str, sex: str, age: str = "adult", screening: bool = False) -> Participant:
        self.counters[code] = self.counters.get(code, 0) + 1
        person = Participant(study=self.studies[code][0], code=f"{code}-{self.counters[code]:03d}",
                             sex=Sex(sex), age_group=AgeGroup(age),
                             status=ParticipantStatus.screening if screening else ParticipantStatus.enrolled)
        db.session.add(person)
        return person

    def visit(self, code, template, person, first, last, target, priority=5, mandatory=False,
              status=VisitStatus.approved, label=None, fixed_bed=None) -> VisitRequest:
        """Add a request whose window runs from day `first` 07:00 to day `last` 19:00."""
        study, templates = self.studies[code]
        earliest, latest = self.at(first, "07:00"), self.at(last, "19:00")
        fixed_start = None
        if fixed_bed is not None:  # a stay already under way: its start and bed are facts
            earliest = latest = fixed_start = self.at(*target)
        visit = VisitRequest(study=study, participant=person, template=templates[template], label=label,
                             earliest_start=earliest, latest_start=latest, target_start=self.at(*target),
                             mandatory=mandatory, priority=priority, status=status, fixed_start=fixed_start,
                             fixed_bed=fixed_bed, created_by_id=study.pi.id)
        db.session.add(visit)
        return visit

    def seed(self) -> None:
        self.in_progress()
        self.sad_cohort()
        self.mad()
        self.pediatric()
        self.challenge()
        self.infusions()
        self.crossover()
        self.leave()

    def in_progress(self) -> None:
        for day, bed in ((-4, "B11"), (-3, "B13"), (-2, "B15")):
            self.visit("MAD2", "Multi-dose stay", self.person("MAD2", "M"), day, day, (day, "09:00"),
                       priority=10, mandatory=True, label="Multi-dose stay (fixed admission)",
                       fixed_bed=self.beds[bed])

    def sad_cohort(self) -> None:
        cohort = self.index + 1
        sentinels = [self.visit("SAD3", "Sentinel dosing stay", self.person("SAD3", "M"), 0, 0, (0, "14:00"),
                                priority=10, mandatory=True, label=f"Cohort {cohort} sentinel dosing stay")
                     for _ in range(2)]
        for sex in "MMMMFF":
            main = self.visit("SAD3", "Cohort dosing stay", self.person("SAD3", sex), 1, 3, (2, "14:00"),
                              priority=8, label=f"Cohort {cohort} dosing stay")
            for sentinel in sentinels:
                db.session.add(VisitPrecedence(
                    before=sentinel, after=main, before_anchor="dose", after_anchor="dose",
                    min_gap_minutes=48 * 60, kind=PrecedenceKind.sentinel,
                    why="Sentinel safety review before the cohort is dosed"))
        for n, status in enumerate((VisitStatus.approved, VisitStatus.approved, VisitStatus.requested)):
            self.visit("SAD3", "Screening (outpatient)", self.person("SAD3", "MF"[n % 2], screening=True),
                       2, 5, (3 + n, "09:00"), priority=2, status=status)

    def mad(self) -> None:
        # Admissions early in the week, so that the four daily doses fall inside it.
        for n, (first, last) in enumerate(((0, 1), (0, 1), (0, 1), (1, 2), (1, 2), (2, 2))):
            self.visit("MAD2", "Multi-dose stay", self.person("MAD2", "MMFMFM"[n]), first, last,
                       (first + n % 2 if first < last else first, "10:00"), priority=6 + n % 2)
        for n, sex in enumerate("MFMMFMFMFM"):
            status = VisitStatus.cancelled if n == 3 and self.index == 0 else VisitStatus.approved
            self.visit("MAD2", "Follow-up overnight", self.person("MAD2", sex), n % 5, n % 5 + 2,
                       (n % 5 + 1, "12:00"), priority=2 + n % 3, status=status)
        self.visit("MAD2", "Screening (outpatient)", self.person("MAD2", "F", screening=True), 1, 4, (2, "09:00"),
                   priority=2)

    def pediatric(self) -> None:
        for n, sex in enumerate("FMMFMFMF"):
            status = VisitStatus.requested if n == 7 else VisitStatus.approved
            first = n * 5 // 8
            self.visit("PED1", "Pediatric PK day stay", self.person("PED1", sex, "pediatric"), first, first + 1,
                       (first + n % 2, "08:00"), priority=7, status=status)

    def challenge(self) -> None:
        for first, sex in ((0, "M"), (2, "F")):
            self.visit("CHIM1", "Challenge and quarantine", self.person("CHIM1", sex), first, first + 1,
                       (first, "09:00"), priority=9)

    def infusions(self) -> None:
        for n, sex in enumerate("FMFFMFMFFMFMFFMFMF"):
            status = VisitStatus.cancelled if n == 5 else VisitStatus.approved
            first = n * 6 // 18
            self.visit("INF2B", "Infusion visit", self.person("INF2B", sex), first, min(first + 2, 6),
                       (first + 1, f"{8 + n % 4:02d}:00"), priority=3 + n % 3, status=status)
        # A window that runs on into next week (Sunday to Tuesday).
        self.visit("INF2B", "Infusion visit", self.person("INF2B", "M"), 6, 8, (7, "09:00"), priority=4)
        for n in range(2):
            self.visit("INF2B", "Screening (outpatient)", self.person("INF2B", "FM"[n], screening=True),
                       1 + 2 * n, 3 + 2 * n, (2 + 2 * n, "09:00"), priority=2)

    def crossover(self) -> None:
        for sex in "MFMF":
            person = self.person("XOV1", sex)
            first = self.visit("XOV1", "Crossover period 1", person, 0, 1, (0, "08:00"), priority=6)
            second = self.visit("XOV1", "Crossover period 2", person, 5, 6, (5, "08:00"), priority=6)
            db.session.add(VisitPrecedence(before=first, after=second, min_gap_minutes=5 * 1440,
                                           max_gap_minutes=14 * 1440, kind=PrecedenceKind.washout,
                                           why="Washout of at least 5 days between the two periods"))

    def leave(self) -> None:
        i = self.index
        rows = [(f"RN{5 + i:02d}", UnavailabilityKind.leave, (4, "00:00"), (7, "00:00"), "Annual leave"),
                (f"RN{12 + i:02d}", UnavailabilityKind.sick, (1, "00:00"), (2, "00:00"), None),
                (f"RN{20 + i:02d}", UnavailabilityKind.training, (2, "08:00"), (2, "16:00"), "ACLS renewal"),
                (f"RN{27 - i:02d}", UnavailabilityKind.leave, (0, "00:00"), (7, "00:00"), "Annual leave"),
                (f"MD{1 + i % 4:02d}", UnavailabilityKind.training, (3, "00:00"), (4, "00:00"), "Conference")]
        for code, kind, start, end, note in rows:
            db.session.add(StaffUnavailability(staff=self.staff[code], kind=kind, start=self.at(*start),
                                               end=self.at(*end), note=note))
