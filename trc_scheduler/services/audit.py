"""Reading the audit trail: filter and page the append-only records, and show what each changed."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import AUDITED_TABLES, AuditAction, AuditRecord
from .unit import local_instant, require_manager

PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; empty values match everything. `since`/`until` are aware UTC, until exclusive."""

    table: str | None = None
    action: str | None = None
    actor: str | None = None
    row_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class AuditPage:
    """One page of audit records, newest first."""

    records: list[AuditRecord]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def audited_tables() -> list[str]:
    """Return the names of the audited tables, sorted."""
    return sorted(AUDITED_TABLES)


def local_days(first: date | None, last: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Return the UTC bounds [since, until) of the local days first..last (either may be open)."""
    since = local_instant(first, "00:00", tz) if first else None
    until = local_instant(last + timedelta(days=1), "00:00", tz) if last else None
    return since, until


def _conditions(flt: AuditFilter) -> list:
    conds = []
    if flt.table:
        conds.append(AuditRecord.table_name == flt.table)
    if flt.action:
        conds.append(AuditRecord.action == AuditAction(flt.action))
    if flt.actor and flt.actor.strip():
        conds.append(func.lower(AuditRecord.actor).contains(flt.actor.strip().lower(), autoescape=True))
    if flt.row_id and flt.row_id.strip():
        conds.append(AuditRecord.row_id == flt.row_id.strip())
    if flt.since:
        conds.append(AuditRecord.at >= flt.since)
    if flt.until:
        conds.append(AuditRecord.at < flt.until)
    return conds


def search_audit(user, flt: AuditFilter, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """Return one page of the audit records matching the filter, newest first (managers only)."""
    require_manager(user)
    conds = _conditions(flt)
    total = db.session.scalar(select(func.count(AuditRecord.id)).where(*conds))
    page = min(max(1, page), max(1, ceil(total / per_page)))
    query = (select(AuditRecord).where(*conds).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
             .offset((page - 1) * per_page).limit(per_page))
    return AuditPage(list(db.session.scalars(query)), page, per_page, total)


def changed_fields(record: AuditRecord) -> list[tuple[str, object, object]]:
    """Return (field, before, after) for each field the record changed (None where absent)."""
    before, after = record.before or {}, record.after or {}
    if record.action == AuditAction.update:
        keys = list(dict.fromkeys([*after, *before]))
    else:
        # An insert or delete shows the whole row, without the empty fields.
        keys = [k for k, v in (after or before).items() if v not in (None, "", [], {})]
    return [(k, before.get(k), after.get(k)) for k in keys]
