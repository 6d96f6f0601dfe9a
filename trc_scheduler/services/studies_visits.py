"""Use cases of visit requests (requested → approved → scheduled, or cancelled) and their precedences."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from ..errors import Conflict, DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import (ParticipantStatus, PrecedenceKind, StudyStatus, VisitPrecedence, VisitRequest,
                      VisitStatus)
from .studies import get_study_for

VISIT_FIELDS = ("label", "target_start", "earliest_start", "latest_start", "mandatory", "priority", "notes")
# An investigator's change to these sends an approved request back for approval.
PLANNING_FIELDS = ("target_start", "earliest_start", "latest_start", "mandatory", "priority")
OPEN_STATUSES = (VisitStatus.requested, VisitStatus.approved)
ANCHORS = ("start", "end")


def study_visits(user, study_id: int, status: VisitStatus | None = None) -> list[VisitRequest]:
    """Return a study's visit requests, optionally of one status, by earliest start."""
    study = get_study_for(user, study_id)
    query = select(VisitRequest).where(VisitRequest.study_id == study.id)
    if status is not None:
        query = query.where(VisitRequest.status == status)
    return list(db.session.scalars(query.order_by(VisitRequest.earliest_start, VisitRequest.id)))


def get_visit_for(user, study_id: int, visit_id: int, edit: bool = False) -> VisitRequest:
    """Load a visit request of a study the user may see (or edit)."""
    study = get_study_for(user, study_id, edit=edit)
    visit = db.session.get(VisitRequest, visit_id)
    if visit is None or visit.study_id != study.id:
        raise NotFound("No such visit request.")
    return visit


def default_window(target: datetime, days_before: int, days_after: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the window around a target start in local calendar days (same wall-clock time, DST-aware)."""
    local = target.astimezone(tz)
    earliest = (local - timedelta(days=days_before)).replace(tzinfo=tz)
    latest = (local + timedelta(days=days_after)).replace(tzinfo=tz)
    return earliest.astimezone(timezone.utc), latest.astimezone(timezone.utc)


def _check_window(values: dict, template, tz: ZoneInfo) -> dict:
    """Fill a missing earliest/latest start from the template and check earliest ≤ target ≤ latest."""
    target = values["target_start"]
    if target is None:
        raise DomainError("Give the target start.", field="target_start")
    default_earliest, default_latest = default_window(target, template.window_days_before,
                                                      template.window_days_after, tz)
    values["earliest_start"] = values.get("earliest_start") or default_earliest
    values["latest_start"] = values.get("latest_start") or default_latest
    if values["latest_start"] < values["earliest_start"]:
        raise DomainError("The latest start is before the earliest start.", field="latest_start")
    if not values["earliest_start"] <= target <= values["latest_start"]:
        raise DomainError("The target start is outside the window (earliest to latest start).",
                          field="target_start")
    if not 0 <= values["priority"] <= 10:
        raise DomainError("Priority is between 0 and 10.", field="priority")
    values["label"] = (values.get("label") or "").strip() or None
    values["notes"] = (values.get("notes") or "").strip() or None
    return values


def create_visit(user, study_id: int, participant_id: int, template_id: int, tz: ZoneInfo,
                 **values) -> VisitRequest:
    """Submit a visit request (status requested) for a participant of the study with one of its templates."""
    study = get_study_for(user, study_id, edit=True)
    if study.status == StudyStatus.closed:
        raise Conflict("This study is closed; reopen it before requesting visits.")
    participant = next((p for p in study.participants if p.id == participant_id), None)
    if participant is None:
        raise DomainError("Choose a participant of this study.", field="participant_id")
    if participant.status in (ParticipantStatus.withdrawn, ParticipantStatus.completed):
        raise DomainError(f"Participant {participant.code} is {participant.status.value}.", field="participant_id")
    template = next((t for t in study.templates if t.id == template_id and t.active), None)
    if template is None:
        raise DomainError("Choose an active visit template of this study.", field="template_id")
    values = _check_window({k: values.get(k) for k in VISIT_FIELDS}, template, tz)
    visit = VisitRequest(study=study, participant=participant, template=template, created_by_id=user.id,
                         status=VisitStatus.requested, **values)
    db.session.add(visit)
    db.session.flush()
    return visit


def update_visit(user, study_id: int, visit_id: int, tz: ZoneInfo, **values) -> VisitRequest:
    """Change an open request; an investigator moving an approved one sends it back for approval."""
    visit = get_visit_for(user, study_id, visit_id, edit=True)
    if visit.status not in OPEN_STATUSES:
        raise Conflict(f"A {visit.status.value} visit request cannot be changed.")
    values = _check_window({k: values.get(k) for k in VISIT_FIELDS}, visit.template, tz)
    replan = any(getattr(visit, k) != values[k] for k in PLANNING_FIELDS)
    for key, value in values.items():
        setattr(visit, key, value)
    if visit.status == VisitStatus.approved and replan and not user.is_manager:
        visit.status = VisitStatus.requested
    db.session.flush()
    return visit


def approve_visit(user, study_id: int, visit_id: int) -> VisitRequest:
    """Approve a requested visit so the next schedule places it (unit managers only)."""
    visit = get_visit_for(user, study_id, visit_id)
    if not user.is_manager:
        raise NotAllowed("Only unit managers approve visit requests.")
    if visit.status != VisitStatus.requested:
        raise Conflict(f"Only requested visits can be approved; this one is {visit.status.value}.")
    visit.status = VisitStatus.approved
    db.session.flush()
    return visit


def cancel_visit(user, study_id: int, visit_id: int) -> VisitRequest:
    """Cancel a visit request (study team or managers); it is kept, never deleted."""
    visit = get_visit_for(user, study_id, visit_id, edit=True)
    if visit.status == VisitStatus.cancelled:
        raise Conflict("This visit request is cancelled already.")
    visit.status = VisitStatus.cancelled
    db.session.flush()
    return visit


def study_precedences(study_id: int) -> list[VisitPrecedence]:
    """Return the precedences between visits of a study (the caller has loaded the study)."""
    ids = select(VisitRequest.id).where(VisitRequest.study_id == study_id)
    return list(db.session.scalars(select(VisitPrecedence).where(
        or_(VisitPrecedence.before_id.in_(ids), VisitPrecedence.after_id.in_(ids))).order_by(VisitPrecedence.id)))


def anchors_of(visit: VisitRequest) -> list[str]:
    """Return the anchors a precedence may use on this visit: start, end and its template's task codes."""
    return list(ANCHORS) + [t.code for t in visit.template.tasks]


def _check_anchor(visit: VisitRequest, anchor: str, field: str) -> str:
    anchor = (anchor or "").strip() or "start"
    if anchor not in anchors_of(visit):
        raise DomainError(f"'{anchor}' is not an anchor of visit #{visit.id} (use "
                          f"{', '.join(anchors_of(visit))}).", field=field)
    return anchor


def _would_loop(study_id: int, before_id: int, after_id: int) -> bool:
    """Return True when `after` already comes (directly or not) before `before`."""
    edges: dict[int, set[int]] = {}
    for p in study_precedences(study_id):
        edges.setdefault(p.before_id, set()).add(p.after_id)
    seen, todo = set(), [after_id]
    while todo:
        node = todo.pop()
        if node == before_id:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


def add_precedence(user, study_id: int, before_id: int, after_id: int, before_anchor: str = "start",
                   after_anchor: str = "start", min_gap_minutes: int = 0, max_gap_minutes: int | None = None,
                   kind: str = "other", why: str | None = None) -> VisitPrecedence:
    """Require `after`'s anchor to come min (…max) minutes after `before`'s anchor (sentinel, washout …)."""
    study = get_study_for(user, study_id, edit=True)
    visits = {v.id: v for v in db.session.scalars(select(VisitRequest).where(
        VisitRequest.study_id == study.id, VisitRequest.status != VisitStatus.cancelled))}
    if before_id not in visits:
        raise DomainError("Choose an open visit of this study.", field="before_id")
    if after_id not in visits:
        raise DomainError("Choose an open visit of this study.", field="after_id")
    if before_id == after_id:
        raise DomainError("A visit cannot come before itself; choose two different visits.", field="after_id")
    before_anchor = _check_anchor(visits[before_id], before_anchor, "before_anchor")
    after_anchor = _check_anchor(visits[after_id], after_anchor, "after_anchor")
    if min_gap_minutes < 0:
        raise DomainError("The minimum gap cannot be negative.", field="min_gap_hours")
    if max_gap_minutes is not None and max_gap_minutes < min_gap_minutes:
        raise DomainError("The maximum gap is shorter than the minimum gap.", field="max_gap_hours")
    if _would_loop(study.id, before_id, after_id):
        raise DomainError(f"Visit #{after_id} already comes before visit #{before_id}; this would make a loop.",
                          field="after_id")
    precedence = VisitPrecedence(before=visits[before_id], after=visits[after_id], before_anchor=before_anchor,
                                 after_anchor=after_anchor, min_gap_minutes=min_gap_minutes,
                                 max_gap_minutes=max_gap_minutes, kind=PrecedenceKind(kind),
                                 why=(why or "").strip() or None)
    db.session.add(precedence)
    db.session.flush()
    return precedence


def remove_precedence(user, study_id: int, precedence_id: int) -> None:
    """Remove a precedence between two visits of the study."""
    study = get_study_for(user, study_id, edit=True)
    precedence = db.session.get(VisitPrecedence, precedence_id)
    if precedence is None or precedence.before.study_id != study.id:
        raise NotFound("No such precedence.")
    db.session.delete(precedence)
    db.session.flush()
