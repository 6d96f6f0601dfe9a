"""What changed between two schedules of a week: pure JSON in, JSON out (no Flask, no database).

`diff_schedules` compares two (instance, schedule) pairs in `trc-instance/1` / `trc-schedule/1`
format. Starts are compared as instants, so the same moment written with another UTC offset is
not a change. Lists are sorted (visit id, then time) so the result is stable and testable.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DIFF_KEYS = ("stays_moved", "stays_added", "stays_removed", "shifts_added", "shifts_removed",
             "primary_changed")


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _placements(schedule: dict) -> dict:
    """Map visit id -> {start, bed} of the visits a schedule places."""
    return {v["visit"]: {"start": v["start"], "bed": v.get("bed")} for v in (schedule or {}).get("visits", [])}


def _participants(*instances: dict) -> dict:
    """Map visit id -> participant id, later instances winning."""
    out = {}
    for instance in instances:
        for v in (instance or {}).get("visits", []):
            out[v["id"]] = v.get("participant")
    return out


def _shift_starts(*instances: dict) -> dict:
    out = {}
    for instance in instances:
        for s in (instance or {}).get("shifts", []):
            out[s["id"]] = _instant(s["start"])
    return out


def _same_place(a: dict, b: dict) -> bool:
    return _instant(a["start"]) == _instant(b["start"]) and a.get("bed") == b.get("bed")


def _stay(visit: str, participant: str | None, place: dict) -> dict:
    return {"visit": visit, "participant": participant, "start": place["start"], "bed": place.get("bed")}


def _staff_shifts(schedule: dict) -> set:
    return {(s["staff"], s["shift"]) for s in (schedule or {}).get("shifts", [])}


def _primaries(schedule: dict) -> dict:
    return {(p["visit"], p["shift"]): p["staff"] for p in (schedule or {}).get("primary_nurses", [])}


def diff_schedules(old_instance: dict, old_schedule: dict, new_instance: dict, new_schedule: dict) -> dict:
    """Return the changes from the old schedule to the new one, as plain JSON-ready lists.

    Keys: `stays_moved` [{visit, participant, from: {start, bed}, to: {start, bed}}],
    `stays_added` / `stays_removed` [{visit, participant, start, bed}] (a visit newly placed or
    no longer placed), `shifts_added` / `shifts_removed` [{staff, shift}], and `primary_changed`
    [{visit, shift, from, to}] for every visit x shift whose primary nurse differs (`from` or
    `to` is None when that visit had or has no primary nurse in that shift).
    """
    old_places, new_places = _placements(old_schedule), _placements(new_schedule)
    participants = _participants(old_instance, new_instance)
    starts = _shift_starts(old_instance, new_instance)
    def shift_key(shift_id):
        start = starts.get(shift_id)  # unknown shifts sort last
        return (start.timestamp() if start else float("inf"), shift_id)

    moved = [{"visit": v, "participant": participants.get(v), "from": old_places[v], "to": new_places[v]}
             for v in sorted(old_places.keys() & new_places.keys())
             if not _same_place(old_places[v], new_places[v])]
    added = [_stay(v, participants.get(v), new_places[v]) for v in sorted(new_places.keys() - old_places.keys())]
    removed = [_stay(v, participants.get(v), old_places[v]) for v in sorted(old_places.keys() - new_places.keys())]

    old_ss, new_ss = _staff_shifts(old_schedule), _staff_shifts(new_schedule)

    def staff_shift_list(pairs):
        return [{"staff": st, "shift": sh} for st, sh in sorted(pairs, key=lambda p: (shift_key(p[1]), p[0]))]

    old_pn, new_pn = _primaries(old_schedule), _primaries(new_schedule)
    changed = [{"visit": v, "shift": sh, "from": old_pn.get((v, sh)), "to": new_pn.get((v, sh))}
               for v, sh in sorted(old_pn.keys() | new_pn.keys(), key=lambda k: (k[0], shift_key(k[1])))
               if old_pn.get((v, sh)) != new_pn.get((v, sh))]

    return {
        "stays_moved": moved,
        "stays_added": added,
        "stays_removed": removed,
        "shifts_added": staff_shift_list(new_ss - old_ss),
        "shifts_removed": staff_shift_list(old_ss - new_ss),
        "primary_changed": changed,
    }


def is_empty(diff: dict) -> bool:
    """Return True when a diff holds no change at all."""
    return not any(diff.get(k) for k in DIFF_KEYS)


def _overlaps(start: datetime, end: datetime, lo: datetime, hi: datetime) -> bool:
    return start < hi and lo < end


def diff_for_shift(diff: dict, instance: dict, shift_id: str, old_instance: dict | None = None) -> dict:
    """Keep only the changes that touch one shift: stays overlapping it (before or after), its staff, its primaries.

    `instance` is the new instance (visit durations and the shift's interval); `old_instance`
    supplies durations of visits that no longer exist in the new one.
    """
    shifts = {s["id"]: s for s in (old_instance or {}).get("shifts", [])}
    shifts.update({s["id"]: s for s in instance.get("shifts", [])})
    shift = shifts.get(shift_id)
    if shift is None:
        return {k: [] for k in DIFF_KEYS}
    lo, hi = _instant(shift["start"]), _instant(shift["end"])
    durations = {v["id"]: v["duration_minutes"] for v in (old_instance or {}).get("visits", [])}
    durations.update({v["id"]: v["duration_minutes"] for v in instance.get("visits", [])})

    def touches(visit: str, place: dict) -> bool:
        start = _instant(place["start"])
        end = start + timedelta(minutes=durations.get(visit, 0))
        return _overlaps(start, end, lo, hi)

    return {
        "stays_moved": [m for m in diff["stays_moved"]
                        if touches(m["visit"], m["from"]) or touches(m["visit"], m["to"])],
        "stays_added": [s for s in diff["stays_added"] if touches(s["visit"], s)],
        "stays_removed": [s for s in diff["stays_removed"] if touches(s["visit"], s)],
        "shifts_added": [s for s in diff["shifts_added"] if s["shift"] == shift_id],
        "shifts_removed": [s for s in diff["shifts_removed"] if s["shift"] == shift_id],
        "primary_changed": [p for p in diff["primary_changed"] if p["shift"] == shift_id],
    }


def _clock(value: str | None, tz) -> str:
    return _instant(value).astimezone(tz).strftime("%a %H:%M") if value else "?"


def describe_diff(diff: dict, old_instance: dict, new_instance: dict, visible=lambda participant: True) -> list[str]:
    """Return one sentence per change, in the unit's local time; hidden participants become "a participant"."""
    tz = ZoneInfo(new_instance["unit"]["timezone"])
    names = {s["id"]: s.get("name", s["id"]) for s in old_instance.get("staff", []) + new_instance.get("staff", [])}
    who = (lambda pid: pid if pid and visible(pid) else "a participant")
    name = (lambda sid: names.get(sid, sid) if sid else "none")

    def where(place):
        return f"{place.get('bed') or 'no bed'} {_clock(place['start'], tz)}"

    out = [f"{who(m['participant'])} moved from {where(m['from'])} to {where(m['to'])}" for m in diff["stays_moved"]]
    out += [f"{who(s['participant'])} added: {where(s)}" for s in diff["stays_added"]]
    out += [f"{who(s['participant'])} no longer scheduled (was {where(s)})" for s in diff["stays_removed"]]
    out += [f"{name(s['staff'])} added to shift {s['shift']}" for s in diff["shifts_added"]]
    out += [f"{name(s['staff'])} removed from shift {s['shift']}" for s in diff["shifts_removed"]]
    participants = {v["id"]: v.get("participant")
                    for v in old_instance.get("visits", []) + new_instance.get("visits", [])}
    out += [f"primary nurse of {who(participants.get(p['visit']))} in {p['shift']}: {name(p['from'])} → {name(p['to'])}"
            for p in diff["primary_changed"]]
    return out
