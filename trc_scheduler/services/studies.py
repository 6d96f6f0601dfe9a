"""Use cases of studies: who sees which study, the study record, its team and its participants."""
import re

from sqlalchemy import func, or_, select

from ..errors import DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import (AgeGroup, Participant, ParticipantStatus, Phase, Role, Sex, Study, StudyMember,
                      StudyStatus, User, VisitRequest)

STUDY_FIELDS = ("code", "title", "protocol_number", "irb_number", "sponsor", "phase", "first_in_human",
                "status", "color")
PARTICIPANT_FIELDS = ("code", "sex", "age_group", "status")
# Six digits in a row look like a medical record number: codes must be pseudonymous.
MRN_LIKE = re.compile(r"\d{6,}")


def visible_studies(user) -> list[Study]:
    """Return the studies the user may see: all for managers and nurses, own for investigators."""
    query = select(Study).order_by(Study.code)
    if user.is_investigator:
        member_of = select(StudyMember.study_id).where(StudyMember.user_id == user.id)
        query = query.where(or_(Study.pi_id == user.id, Study.id.in_(member_of)))
    elif not (user.is_manager or user.is_nurse):
        return []
    return list(db.session.scalars(query))


def get_study_for(user, study_id: int, edit: bool = False) -> Study:
    """Load a study the user may see (404 for others' studies, so they are not revealed) or edit (403)."""
    study = db.session.get(Study, study_id)
    if study is None or not study.can_view(user):
        raise NotFound("No such study.")
    if edit and not study.can_edit(user):
        raise NotAllowed("You can read this study but not change it.")
    return study


def can_create_study(user) -> bool:
    """Managers and investigators open studies; nurses only read them."""
    return user.is_manager or user.is_investigator


def can_manage_team(user, study: Study) -> bool:
    """Managers and the study's PI add and remove team members."""
    return user.is_manager or (user.is_investigator and study.pi_id == user.id)


def active_investigators() -> list[User]:
    """Return the active investigator users (candidate PIs and team members), by name."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.investigator, User.active).order_by(User.display_name)))


def _check_study_values(values: dict, study: Study | None) -> dict:
    """Normalise the values of a study and refuse codes or protocol numbers already used."""
    values = {k: values[k] for k in STUDY_FIELDS if k in values}
    values["code"] = values["code"].strip().upper()
    values["protocol_number"] = values["protocol_number"].strip()
    values["phase"] = Phase(values["phase"])
    values["status"] = StudyStatus(values["status"])
    for key in ("irb_number", "sponsor"):
        values[key] = (values.get(key) or "").strip() or None
    own_id = study.id if study else -1
    if db.session.scalar(select(Study.id).where(func.upper(Study.code) == values["code"], Study.id != own_id)):
        raise DomainError(f"Study code {values['code']} is already used by another study.", field="code")
    if db.session.scalar(select(Study.id).where(Study.protocol_number == values["protocol_number"],
                                                Study.id != own_id)):
        raise DomainError(f"Protocol number {values['protocol_number']} is already used by another study.",
                          field="protocol_number")
    return values


def _investigator(user_id) -> User:
    pi = db.session.get(User, user_id) if user_id else None
    if pi is None or not pi.active or pi.role != Role.investigator:
        raise DomainError("Choose an active investigator as PI.", field="pi_id")
    return pi


def create_study(user, pi_id: int | None = None, **values) -> Study:
    """Open a study; an investigator becomes its PI, a manager names any active investigator."""
    if not can_create_study(user):
        raise NotAllowed("Only managers and investigators can open studies.")
    values = _check_study_values(values, None)
    pi = _investigator(pi_id) if user.is_manager else user
    study = Study(pi=pi, **values)
    db.session.add(study)
    db.session.flush()
    return study


def update_study(user, study_id: int, pi_id: int | None = None, **values) -> Study:
    """Change a study's record; only managers change its PI."""
    study = get_study_for(user, study_id, edit=True)
    values = _check_study_values(values, study)
    if "code" in values and values["code"] != study.code and db.session.scalar(
            select(VisitRequest.id).where(VisitRequest.study_id == study.id).limit(1)):
        # Schedules refer to participants as CODE/PARTICIPANT: a renamed code could later be taken
        # by another study and show it this study's participants in past weeks.
        raise DomainError("The code of a study with visit requests cannot change.", field="code")
    if pi_id is not None and pi_id != study.pi_id:
        if not user.is_manager:
            raise NotAllowed("Only unit managers change a study's PI.")
        study.pi = _investigator(pi_id)
    for key, value in values.items():
        setattr(study, key, value)
    db.session.flush()
    return study


def close_study(user, study_id: int) -> Study:
    """Mark a study closed (kept with its records; closed studies get no new visit requests)."""
    study = get_study_for(user, study_id, edit=True)
    study.status = StudyStatus.closed
    db.session.flush()
    return study


def get_team_study_for(user, study_id: int) -> Study:
    """Load a study whose team the user may change (the PI or a manager; 404/403 otherwise)."""
    study = get_study_for(user, study_id, edit=True)
    if not can_manage_team(user, study):
        raise NotAllowed("Only the PI and unit managers change the study team.")
    return study


def add_member(user, study_id: int, email: str, role: str = "sub-investigator") -> StudyMember:
    """Add an investigator user, found by email, to the study team."""
    study = get_team_study_for(user, study_id)
    email = (email or "").strip().lower()
    member = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if member is None or not member.active or member.role != Role.investigator:
        raise DomainError(f"No active investigator account has the email {email}.", field="email")
    if member.id == study.pi_id:
        raise DomainError(f"{member.display_name} is the PI of this study already.", field="email")
    if any(m.user_id == member.id for m in study.members):
        raise DomainError(f"{member.display_name} is on the team already.", field="email")
    row = StudyMember(study=study, user=member, role=role)
    db.session.add(row)
    db.session.flush()
    return row


def remove_member(user, study_id: int, member_id: int) -> User:
    """Take a member off the study team (they lose access unless they are PI); return that user."""
    study = get_team_study_for(user, study_id)
    row = db.session.get(StudyMember, member_id)
    if row is None or row.study_id != study.id:
        raise NotFound("No such team member.")
    removed = row.user
    study.members.remove(row)
    # Delete explicitly: the audit listener sees session.deleted, not delete-orphan cascades.
    db.session.delete(row)
    db.session.flush()
    return removed


def get_participant_for(user, study_id: int, participant_id: int, edit: bool = False) -> Participant:
    """Load a participant of a study the user may see (or edit)."""
    study = get_study_for(user, study_id, edit=edit)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.study_id != study.id:
        raise NotFound("No such participant.")
    return participant


def _check_participant_values(study: Study, values: dict, participant: Participant | None) -> dict:
    """Normalise a participant's values; refuse MRN-looking and duplicate codes."""
    values = {k: values[k] for k in PARTICIPANT_FIELDS if k in values}
    code = values["code"].strip()
    if MRN_LIKE.search(code):
        raise DomainError("This looks like a medical record number (6 or more digits in a row). "
                          "Use the study's pseudonymous code, never an MRN or a name.", field="code")
    own_id = participant.id if participant else -1
    if db.session.scalar(select(Participant.id).where(Participant.study_id == study.id,
                                                      func.upper(Participant.code) == code.upper(),
                                                      Participant.id != own_id)):
        raise DomainError(f"Participant code {code} is already used in this study.", field="code")
    values.update(code=code, sex=Sex(values["sex"]), age_group=AgeGroup(values["age_group"]),
                  status=ParticipantStatus(values["status"]))
    return values


def add_participant(user, study_id: int, **values) -> Participant:
    """Add a pseudonymous participant to a study."""
    study = get_study_for(user, study_id, edit=True)
    participant = Participant(study=study, **_check_participant_values(study, values, None))
    db.session.add(participant)
    db.session.flush()
    return participant


def update_participant(user, study_id: int, participant_id: int, **values) -> Participant:
    """Change a participant's code, sex, age group or status (withdraw rather than delete)."""
    participant = get_participant_for(user, study_id, participant_id, edit=True)
    for key, value in _check_participant_values(participant.study, values, participant).items():
        setattr(participant, key, value)
    db.session.flush()
    return participant
