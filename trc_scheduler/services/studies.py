"""Use cases of studies: who sees which study, and edits to studies and their records."""
from sqlalchemy import or_, select

from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..models import Study, StudyMember


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
