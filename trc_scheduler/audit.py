"""Write an audit record for every change to audited tables, in the same transaction.

The actor comes from ``session.info["actor"]`` (a ``(user_id, label)`` pair),
set by whoever owns the unit of work: the request, a CLI command or a job.
"""
import enum
from datetime import date, datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from .extensions import db
from .models import AUDITED_TABLES, AuditRecord
from .models.types import utcnow

REDACTED = {"password_hash", "token_hash"}
# Large derived blobs: the audit names the change but does not copy them.
SUMMARISED = {"instance", "schedule"}


def set_actor(session, user_id, label: str) -> None:
    """Record who is acting for the changes this session will flush."""
    session.info["actor"] = (user_id, label)


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _column_value(key, value):
    if key in REDACTED:
        return "<redacted>"
    if key in SUMMARISED and value is not None:
        return "<document>"
    return _plain(value)


def _snapshot(obj) -> dict:
    state = inspect(obj)
    return {attr.key: _column_value(attr.key, getattr(obj, attr.key))
            for attr in state.mapper.column_attrs}


def _changes(obj):
    """Return (before, after) of the columns that changed on a dirty object."""
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[attr.key] = _column_value(attr.key, old)
        after[attr.key] = _column_value(attr.key, new)
    return before, after


def _row_id(obj) -> str:
    # New rows have no identity key yet inside the flush, but their primary key is set.
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(i) for i in ident)


def _records(session):
    actor_id, actor = session.info.get("actor", (None, "system"))
    now = utcnow()
    rows = []
    for obj in session.new:
        if getattr(obj, "__tablename__", None) in AUDITED_TABLES:
            rows.append(dict(action="insert", table_name=obj.__tablename__, row_id=_row_id(obj),
                             before=None, after=_snapshot(obj)))
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) in AUDITED_TABLES and session.is_modified(obj):
            before, after = _changes(obj)
            if after:
                rows.append(dict(action="update", table_name=obj.__tablename__, row_id=_row_id(obj),
                                 before=before, after=after))
    # Deletes are collected row by row (see _collect_delete) so cascaded orphans are recorded too.
    rows.extend(session.info.pop("audit_deletes", []))
    for row in rows:
        row.update(at=now, actor_id=actor_id, actor=actor)
    return rows


@event.listens_for(db.Model, "after_delete", propagate=True)
def _collect_delete(mapper, connection, target):
    if getattr(target, "__tablename__", None) not in AUDITED_TABLES:
        return
    session = object_session(target)
    if session is not None:
        session.info.setdefault("audit_deletes", []).append(dict(
            action="delete", table_name=target.__tablename__, row_id=_row_id(target),
            before=_snapshot(target), after=None))


@event.listens_for(Session, "after_flush")
def _write_audit(session, flush_context):
    rows = _records(session)
    if rows:
        # Insert through the connection: adding ORM objects mid-flush is not allowed.
        session.connection().execute(AuditRecord.__table__.insert(), rows)


APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS audit_record_no_update BEFORE UPDATE ON audit_record
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_record_no_delete BEFORE DELETE ON audit_record
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]

APPEND_ONLY_POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_record_no_change ON audit_record",
    """CREATE TRIGGER audit_record_no_change BEFORE UPDATE OR DELETE ON audit_record
       FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()""",
]


def append_only_statements(dialect_name: str) -> list[str]:
    """Return the SQL that makes audit_record append-only on this database."""
    return APPEND_ONLY_POSTGRES if dialect_name == "postgresql" else APPEND_ONLY_SQLITE
