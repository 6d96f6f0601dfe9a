"""Exports of a schedule version: the JSON documents and CSV tables with local times."""
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..errors import DomainError

CSV_KINDS = {
    "stays": ("visit", "participant", "study", "label", "bed", "start", "end"),
    "shifts": ("staff", "name", "shift", "start", "end"),
    "tasks": ("visit", "task", "start", "staff"),
}
JSON_PARTS = ("instance", "schedule")


def export_document(version, part: str | None = None) -> dict:
    """Return {"instance", "schedule"} of a version, or just one part of it."""
    if part in (None, ""):
        return {"instance": version.instance, "schedule": version.schedule}
    if part not in JSON_PARTS:
        raise DomainError(f"Export part must be one of {', '.join(JSON_PARTS)}.", field="part")
    return getattr(version, part)


def _local(value: str | datetime, tz: ZoneInfo) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def csv_rows(instance: dict, schedule: dict, kind: str) -> list[tuple]:
    """Return the rows (header first) of one CSV table of a schedule."""
    if kind not in CSV_KINDS:
        raise DomainError(f"CSV kind must be one of {', '.join(CSV_KINDS)}.", field="kind")
    tz = ZoneInfo(instance["unit"]["timezone"])
    visits = {v["id"]: v for v in instance.get("visits", [])}
    rows = [CSV_KINDS[kind]]
    if kind == "stays":
        for placed in sorted(schedule.get("visits", []), key=lambda p: (datetime.fromisoformat(p["start"]), p["visit"])):
            visit = visits.get(placed["visit"], {})
            start = datetime.fromisoformat(placed["start"])
            end = start + timedelta(minutes=visit.get("duration_minutes", 0))
            rows.append((placed["visit"], visit.get("participant", ""), visit.get("study", ""),
                         visit.get("label", ""), placed.get("bed") or "", _local(start, tz), _local(end, tz)))
    elif kind == "shifts":
        staff = {s["id"]: s for s in instance.get("staff", [])}
        shifts = {s["id"]: s for s in instance.get("shifts", [])}
        worked = sorted(schedule.get("shifts", []), key=lambda w: (shifts.get(w["shift"], {}).get("start", ""), w["staff"]))
        for w in worked:
            shift = shifts.get(w["shift"], {})
            rows.append((w["staff"], staff.get(w["staff"], {}).get("name", ""), w["shift"],
                         _local(shift["start"], tz) if shift else "", _local(shift["end"], tz) if shift else ""))
    else:
        starts = {p["visit"]: datetime.fromisoformat(p["start"]) for p in schedule.get("visits", [])}
        out = []
        for t in schedule.get("tasks", []):
            visit = visits.get(t["visit"], {})
            task = next((x for x in visit.get("tasks", []) if x["id"] == t["task"]), None)
            begin = starts[t["visit"]] + timedelta(minutes=task["offset_minutes"]) if task and t["visit"] in starts else None
            out.append((begin, (t["visit"], t["task"], _local(begin, tz) if begin else "", " ".join(t.get("staff", [])))))
        rows += [row for _, row in sorted(out, key=lambda x: (x[0] is None, x[0] or datetime.min, x[1]))]
    return rows


def _cell(value):
    """Neutralise text a spreadsheet would run as a formula (labels and codes are typed by users)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(version, kind: str) -> str:
    """Return one CSV table of a version as text."""
    buffer = io.StringIO()
    rows = csv_rows(version.instance, version.schedule, kind)
    csv.writer(buffer, lineterminator="\r\n").writerows([tuple(_cell(c) for c in row) for row in rows])
    return buffer.getvalue()
