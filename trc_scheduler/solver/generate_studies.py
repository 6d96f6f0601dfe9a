"""The study templates of the instance generator: one function per kind of visit.

Each maker adds one study block (a cohort, a stay, a pair of periods) to the
generator's builder ``b`` (see ``generate.py``), drawing from its seeded
random source, and marks visits mandatory only while ``mandatory_left`` bed
minutes remain in the mandatory budget.
"""
from __future__ import annotations

from datetime import timedelta


def _task(tid: str, label: str, offset: int, minutes: int, role: str, count: int = 1) -> dict:
    return {"id": tid, "label": label, "offset_minutes": offset, "duration_minutes": minutes,
            "role": role, "count": count}


def _seg(a: int, b: int, load: int, skills=()) -> dict:
    return {"from_minutes": a, "to_minutes": b, "load_percent": load, "skills": sorted(skills)}


def _sex(b) -> str:
    return b.rng.choice("FM")


def fih_cohort(b, mandatory_left: float) -> None:
    """A first-in-human SAD cohort: 2 sentinels, the rest dosed ≥ 48 h after both sentinels."""
    if b.days < 4 or sum(v["study"] == "FIH-SAD" for v in b.visits) >= 8 * max(1, round(b.beds_n / 18 * b.days / 7)):
        return
    d0 = b.rng.randrange(0, max(1, b.days - 5))
    duration = 3960
    tasks = [_task("prep", "Dose preparation", 1020, 45, "pharmacist"), _task("dose", "Dosing", 1080, 20, "RN", 2),
             _task("dose-md", "Physician at dosing", 1080, 30, "MD"),
             _task("pk0", "PK 0.5 h", 1110, 10, "phlebotomist"), _task("pk1", "PK 1 h", 1140, 10, "phlebotomist"),
             _task("pk2", "PK 2 h", 1200, 10, "phlebotomist"), _task("pk3", "PK 4 h", 1320, 10, "RN"),
             _task("ecg", "12-lead ECG", 1380, 20, "RN"), _task("pk4", "PK 8 h", 1560, 10, "RN"),
             _task("pk5", "PK 24 h", 2520, 10, "RN")]
    sentinels = []
    for i in range(2):
        nursing = [_seg(0, 1080, 25), _seg(1080, 1800, 100, ["telemetry"]), _seg(1800, duration, 25)]
        vid = b.add_visit("FIH-SAD", f"SAD cohort sentinel {i + 1}", _sex(b), "adult", duration,
                          (b.at(d0, 14), b.at(d0, 19)), b.at(d0, 14), mandatory_left > 2 * duration, 10,
                          ["telemetry"], nursing, tasks)
        if vid:
            sentinels.append(vid)
    for i in range(b.rng.randint(4, 6) if sentinels else 0):
        nursing = [_seg(0, 1080, 25), _seg(1080, 1800, 50, ["telemetry"]), _seg(1800, duration, 25)]
        vid = b.add_visit("FIH-SAD", "SAD cohort main dosing stay", _sex(b), "adult", duration,
                          (b.at(d0 + 1, 14), b.at(d0 + 3, 19)), b.at(d0 + 2, 14), False, 8,
                          ["telemetry"], nursing, tasks)
        for s in sentinels if vid else ():
            b.precedences.append({"before": s, "after": vid, "before_anchor": "dose", "after_anchor": "dose",
                                  "min_gap_minutes": 2880, "max_gap_minutes": None,
                                  "why": "sentinel safety review before the cohort is dosed"})


def mad_stay(b, mandatory_left: float) -> None:
    """A multiple-ascending-dose stay of 3 to 5 nights on telemetry, dosed daily."""
    nights = b.rng.randint(3, 5)
    duration = 1440 * nights + 240
    tasks = [_task("dose", "First dose", 120, 20, "RN", 2), _task("pk0", "PK 1 h", 180, 10, "RN"),
             _task("pk1", "PK 2 h", 240, 10, "RN"), _task("pk2", "PK 4 h", 360, 10, "RN")]
    tasks += [_task(f"dose-d{k + 1}", f"Dose day {k + 1}", 120 + 1440 * k, 15, "RN") for k in range(1, nights)]
    window = b.window(2, lead=nights)
    if window:
        mandatory = mandatory_left > duration and b.rng.random() < 0.15
        b.add_visit("MAD", "MAD multi-dose stay", _sex(b), "adult", duration, window,
                    window[0] + timedelta(days=1, hours=3), mandatory, 10 if mandatory else b.rng.randint(5, 7),
                    ["telemetry"], [_seg(0, duration, 33, ["telemetry"])], tasks)


def pediatric_pk(b, mandatory_left: float) -> None:
    """A pediatric PK day stay: dosing, then samples drawn by the phlebotomist."""
    window = b.window(2)
    if window:
        tasks = [_task("dose", "Dosing", 60, 15, "RN")] + [
            _task(f"pk{i}", f"PK sample {h}", off, 10, "phlebotomist" if off < 400 else "RN")
            for i, (h, off) in enumerate((("0.5 h", 90), ("1 h", 120), ("2 h", 180), ("4 h", 300), ("6 h", 420)))]
        mandatory = mandatory_left > 600 and b.rng.random() < 0.15
        b.add_visit("PED-PK", "Pediatric PK day stay", _sex(b), "pediatric", 600, window,
                    window[0] + timedelta(days=1, hours=1), mandatory, 10 if mandatory else 7, ["pediatric"],
                    [_seg(0, 600, 50, ["pediatric"])], tasks)


def challenge(b, mandatory_left: float) -> None:
    """An isolation challenge stay: inoculation by a physician, 1:1 nursing for four days."""
    window = b.window(1, last_hour=15, lead=4)
    if window:
        tasks = [_task("inoc", "Inoculation", 120, 30, "MD")] + [
            _task(f"swab{k}", f"Nasal swab day {k}", 120 + 1440 * k, 10, "RN") for k in range(1, 4)]
        mandatory = mandatory_left > 5760 and b.rng.random() < 0.25
        b.add_visit("CHALLENGE", "Challenge inoculation and quarantine", _sex(b), "adult", 5760, window,
                    window[0] + timedelta(hours=2), mandatory, 9, ["isolation"], [_seg(0, 5760, 100)], tasks)


def infusion(b, mandatory_left: float) -> None:
    """A phase-2b infusion day stay: pharmacy preparation, 1:2 chemo nursing, then 1:4."""
    window = b.window(3, last_hour=16)
    if window:
        tasks = [_task("prep", "Infusion preparation", 0, 60, "pharmacist"),
                 _task("infuse", "Start infusion", 60, 20, "RN"), _task("vitals", "Vital signs", 180, 10, "RN")]
        b.add_visit("INFUSION", "Infusion visit", _sex(b), "adult", 420, window,
                    window[0] + timedelta(days=1, hours=1), False, b.rng.randint(3, 5), [],
                    [_seg(0, 180, 50, ["chemo"]), _seg(180, 420, 25, ["chemo"])], tasks)


def crossover(b, mandatory_left: float) -> None:
    """A two-period crossover: period 2 starts at least 48 h (washout) after period 1 ends."""
    if b.days < 2:
        return
    d0 = b.rng.randrange(0, max(1, b.days - 5))
    tasks = [_task("dose", "Dosing", 60, 15, "RN")] + [
        _task(f"pk{i}", f"PK sample {off // 60 - 1} h", off, 10, "RN") for i, off in enumerate((120, 180, 300, 540, 1500))]
    sex = _sex(b)
    first = b.add_visit("CROSSOVER", "Crossover period 1", sex, "adult", 1560, (b.at(d0, 7), b.at(d0 + 1, 19)),
                        b.at(d0, 8), False, 6, [], None, tasks)
    if first and b.days >= d0 + 5:
        who = b.visits[-1]["participant"]
        second = b.add_visit("CROSSOVER", "Crossover period 2", sex, "adult", 1560,
                             (b.at(d0 + 3, 7), b.at(d0 + 4, 19)), b.at(d0 + 3, 8), False, 6, [], None, tasks,
                             participant=who)
        if second:
            b.precedences.append({"before": first, "after": second, "before_anchor": "end", "after_anchor": "start",
                                  "min_gap_minutes": 2880, "max_gap_minutes": None, "why": "washout between periods"})


def screening(b, mandatory_left: float) -> None:
    """An outpatient screening visit: no bed, an ECG and a blood draw."""
    window = b.window(3, last_hour=15)
    if window:
        b.add_visit(b.rng.choice(["FIH-SAD", "MAD", "INFUSION"]), "Screening (outpatient)", _sex(b), "adult", 180,
                    window, window[0] + timedelta(hours=2), False, 2, [], None,
                    [_task("ecg", "12-lead ECG", 30, 20, "RN"), _task("labs", "Screening labs", 60, 10, "phlebotomist")],
                    needs_bed=False)


def observation(b, mandatory_left: float) -> None:
    """An overnight observation stay after an outpatient dose."""
    window = b.window(2, lead=1)
    if window:
        b.add_visit(b.rng.choice(["MAD", "CROSSOVER"]), "Overnight observation", _sex(b), "adult", 1560, window,
                    window[0] + timedelta(days=1, hours=5), False, b.rng.randint(2, 4))


def in_progress(b) -> None:
    """Stays that began before the horizon: fixed start and bed, past tasks exempt."""
    used_rooms = set()
    plain = [bed for bed in b.beds if "isolation" not in bed["features"] and "pediatric" not in bed["features"]]
    for bed in plain:
        if len(used_rooms) >= max(1, b.beds_n // 6):
            break
        if bed["room"] in used_rooms:
            continue
        used_rooms.add(bed["room"])
        start = b.at(-b.rng.randint(1, 3), 10)
        end = b.at(b.rng.randint(0, min(b.days - 1, 3)), 12)
        duration = int((end - start).total_seconds() // 60)
        tasks = [_task(f"pk-d{j}", f"Daily PK day {j}", 120 + 1440 * j, 10, "RN")
                 for j in range(duration // 1440 + 1) if 120 + 1440 * j + 10 <= duration]
        feats = [f for f in bed["features"] if f == "telemetry"]
        b.add_visit("MAD", "MAD stay in progress", _sex(b), "adult", duration, (start, start), start, True, 10,
                    feats, [_seg(0, duration, 25, feats)], tasks, fixed_bed=bed["id"])


STUDY_MAKERS = ((fih_cohort, 2), (mad_stay, 3), (pediatric_pk, 3), (challenge, 1), (infusion, 4),
                (crossover, 2), (screening, 2), (observation, 2))
