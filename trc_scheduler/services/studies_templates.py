"""Use cases of visit templates: length, bed needs, nursing segments and timed tasks."""
from sqlalchemy import func, or_, select

from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..models import (BED_FEATURES, LOAD_BY_RATIO, ROLES, Bed, NursingSegment, Room, TemplateTask,
                      VisitPrecedence, VisitRequest, VisitTemplate)
from .studies import get_study_for

TEMPLATE_FIELDS = ("name", "duration_minutes", "needs_bed", "bed_features", "window_days_before",
                   "window_days_after", "start_step_minutes", "active")
SEGMENT_FIELDS = ("from_minutes", "to_minutes", "ratio", "skills")
TASK_FIELDS = ("code", "label", "offset_minutes", "duration_minutes", "role", "count")
RESERVED_TASK_CODES = ("start", "end")  # precedence anchors


def active_bed_features() -> set[str]:
    """Return the features present on at least one active bed (the unit service's answer when it has one)."""
    from . import unit as unit_service
    known = getattr(unit_service, "known_bed_features", None)
    if known is not None:
        return set(known())
    rows = db.session.scalars(select(Bed.features).join(Room).where(Bed.active, Room.active))
    return {feature for features in rows for feature in (features or [])}


def feature_choices() -> list[str]:
    """Return the bed features to offer as checkboxes: the standard ones and any the unit's beds have."""
    return list(BED_FEATURES) + sorted(active_bed_features() - set(BED_FEATURES))


def get_template_for(user, study_id: int, template_id: int, edit: bool = False) -> VisitTemplate:
    """Load a visit template of a study the user may see (or edit)."""
    study = get_study_for(user, study_id, edit=edit)
    template = db.session.get(VisitTemplate, template_id)
    if template is None or template.study_id != study.id:
        raise NotFound("No such visit template.")
    return template


def _check_template_values(study, values: dict, template: VisitTemplate | None) -> dict:
    """Normalise a template's values; refuse duplicate names, features no bed has, parts outside the stay."""
    values = {k: values[k] for k in TEMPLATE_FIELDS if k in values}
    values["name"] = values["name"].strip()
    features = []
    for feature in values.get("bed_features") or []:
        feature = feature.strip().lower()
        if feature and feature not in features:
            features.append(feature)
    values["bed_features"] = features
    own_id = template.id if template else -1
    if db.session.scalar(select(VisitTemplate.id).where(
            VisitTemplate.study_id == study.id, func.lower(VisitTemplate.name) == values["name"].lower(),
            VisitTemplate.id != own_id)):
        raise DomainError(f"This study already has a template named '{values['name']}'.", field="name")
    if values["duration_minutes"] <= 0:
        raise DomainError("A visit lasts at least one minute.", field="duration_days")
    if features and not values["needs_bed"]:
        raise DomainError("Bed features apply only to visits that need a bed.", field="bed_features")
    on_beds = active_bed_features() if features else set()
    missing = [f for f in features if f not in on_beds]
    if missing:
        raise DomainError(f"No bed in the unit has '{missing[0]}'; add one under Beds or remove the feature.",
                          field="bed_features")
    if template is not None:
        _check_parts_fit(template, values["duration_minutes"])
    return values


def _check_parts_fit(template: VisitTemplate, duration: int) -> None:
    """Refuse a new length that would cut off one of the template's segments or tasks."""
    for seg in template.segments:
        if seg.to_minutes > duration:
            raise DomainError(f"The nursing segment {seg.from_minutes}–{seg.to_minutes} min ends after the new "
                              f"length ({duration} min); shorten it first.", field="duration_days")
    for task in template.tasks:
        if task.offset_minutes + task.duration_minutes > duration:
            raise DomainError(f"Task '{task.code}' ends after the new length ({duration} min); move it first.",
                              field="duration_days")


def add_template(user, study_id: int, **values) -> VisitTemplate:
    """Add a visit template to a study."""
    study = get_study_for(user, study_id, edit=True)
    template = VisitTemplate(study=study, **_check_template_values(study, values, None))
    db.session.add(template)
    db.session.flush()
    return template


def update_template(user, study_id: int, template_id: int, **values) -> VisitTemplate:
    """Change a template (existing visit requests keep pointing at it); deactivate via `active`."""
    template = get_template_for(user, study_id, template_id, edit=True)
    for key, value in _check_template_values(template.study, values, template).items():
        setattr(template, key, value)
    db.session.flush()
    return template


def _check_segment_values(template: VisitTemplate, values: dict) -> dict:
    values = {k: values[k] for k in SEGMENT_FIELDS if k in values}
    if values["from_minutes"] < 0:
        raise DomainError("A segment starts at minute 0 or later.", field="from_minutes")
    if values["to_minutes"] <= values["from_minutes"]:
        raise DomainError("The segment must end after it starts (to > from).", field="to_minutes")
    if values["to_minutes"] > template.duration_minutes:
        raise DomainError(f"The segment ends after the visit does ({template.duration_minutes} min).",
                          field="to_minutes")
    if values["ratio"] not in LOAD_BY_RATIO:
        raise DomainError("Choose a ratio between 1:1 and 1:4.", field="ratio")
    values["skills"] = sorted(set(values.get("skills") or []))
    return values


def get_part(model, template: VisitTemplate, part_id: int):
    """Return a segment or task (by model) of this template, or raise NotFound."""
    part = db.session.get(model, part_id)
    if part is None or part.template_id != template.id:
        raise NotFound("No such part of this template.")
    return part


def add_segment(user, study_id: int, template_id: int, **values) -> NursingSegment:
    """Add a nursing segment (from..to minutes after the start, a ratio, skills) to a template."""
    template = get_template_for(user, study_id, template_id, edit=True)
    segment = NursingSegment(**_check_segment_values(template, values))
    template.segments.append(segment)
    db.session.flush()
    return segment


def update_segment(user, study_id: int, template_id: int, segment_id: int, **values) -> NursingSegment:
    """Change a nursing segment of a template."""
    template = get_template_for(user, study_id, template_id, edit=True)
    segment = get_part(NursingSegment, template, segment_id)
    for key, value in _check_segment_values(template, values).items():
        setattr(segment, key, value)
    db.session.flush()
    return segment


def remove_segment(user, study_id: int, template_id: int, segment_id: int) -> None:
    """Remove a nursing segment; that time then needs the unit's default load."""
    template = get_template_for(user, study_id, template_id, edit=True)
    segment = get_part(NursingSegment, template, segment_id)
    template.segments.remove(segment)
    db.session.delete(segment)  # explicit, so the audit trail records it (orphan cascades are not seen)
    db.session.flush()


def _anchored_precedences(template: VisitTemplate, code: str) -> list[VisitPrecedence]:
    """Return the precedences that use a task code of this template's visits as an anchor."""
    before = select(VisitRequest.id).where(VisitRequest.template_id == template.id)
    return list(db.session.scalars(select(VisitPrecedence).where(or_(
        (VisitPrecedence.before_id.in_(before)) & (VisitPrecedence.before_anchor == code),
        (VisitPrecedence.after_id.in_(before)) & (VisitPrecedence.after_anchor == code)))))


def _check_task_values(template: VisitTemplate, values: dict, task: TemplateTask | None) -> dict:
    values = {k: values[k] for k in TASK_FIELDS if k in values}
    code = values["code"] = values["code"].strip()
    values["label"] = values["label"].strip()
    if code.lower() in RESERVED_TASK_CODES:
        raise DomainError(f"'{code}' is reserved for the visit's own start and end; choose another code.",
                          field="code")
    if any(t.code.lower() == code.lower() and t is not task for t in template.tasks):
        raise DomainError(f"Task code {code} is already used in this template.", field="code")
    if values["role"] not in ROLES:
        raise DomainError("Choose one of the unit's roles.", field="role")
    if values["count"] < 1:
        raise DomainError("At least one person does each task.", field="count")
    if values["offset_minutes"] < 0:
        raise DomainError("A task starts at minute 0 or later.", field="offset_minutes")
    end = values["offset_minutes"] + values["duration_minutes"]
    if values["duration_minutes"] < 1 or end > template.duration_minutes:
        raise DomainError(f"The task ends at minute {end}, after the visit ends (minute "
                          f"{template.duration_minutes}).", field="duration_minutes")
    if task is not None and task.code != code and _anchored_precedences(template, task.code):
        raise Conflict(f"Task '{task.code}' anchors a precedence between visits; remove that precedence "
                       "before renaming the task.")
    return values


def add_task(user, study_id: int, template_id: int, **values) -> TemplateTask:
    """Add a timed task (offset, duration, role, count) to a template."""
    template = get_template_for(user, study_id, template_id, edit=True)
    task = TemplateTask(**_check_task_values(template, values, None))
    template.tasks.append(task)
    db.session.flush()
    return task


def update_task(user, study_id: int, template_id: int, task_id: int, **values) -> TemplateTask:
    """Change a timed task of a template."""
    template = get_template_for(user, study_id, template_id, edit=True)
    task = get_part(TemplateTask, template, task_id)
    for key, value in _check_task_values(template, values, task).items():
        setattr(task, key, value)
    db.session.flush()
    return task


def remove_task(user, study_id: int, template_id: int, task_id: int) -> None:
    """Remove a timed task, unless a precedence uses it as an anchor."""
    template = get_template_for(user, study_id, template_id, edit=True)
    task = get_part(TemplateTask, template, task_id)
    if _anchored_precedences(template, task.code):
        raise Conflict(f"Task '{task.code}' anchors a precedence between visits; remove that precedence first.")
    template.tasks.remove(task)
    db.session.delete(task)  # explicit, so the audit trail records it
    db.session.flush()
