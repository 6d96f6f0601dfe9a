"""The append-only audit trail of changes to clinical and unit data."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class AuditAction(str, enum.Enum):
    insert = "insert"
    update = "update"
    delete = "delete"


class AuditRecord(db.Model):
    """Who changed what, when, before → after. Database triggers forbid UPDATE and DELETE."""

    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    row_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[AuditAction] = mapped_column(Enum(AuditAction, native_enum=False, length=8))
    before: Mapped[Optional[dict]] = mapped_column(JSONType)
    after: Mapped[Optional[dict]] = mapped_column(JSONType)

    def __repr__(self) -> str:
        return f"<AuditRecord {self.action.value} {self.table_name}#{self.row_id}>"
