"""The audit trail page: newest first, filters, pages of 50, compact diffs; records are append-only."""
import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from trc_scheduler.errors import NotAllowed
from trc_scheduler.extensions import db
from trc_scheduler.models import AuditRecord
from trc_scheduler.models.types import utcnow
from trc_scheduler.services.audit import AuditFilter, changed_fields, search_audit
from trc_scheduler.services.unit import generate_shifts

from .factories import TZ, WEEK_MONDAY


@pytest.fixture
def manager(client, users, unit, login, csrf):
    """Sign the manager in; return a poster that adds the CSRF token."""
    login(users["manager"])
    token = csrf("/")
    return lambda path, data=None: client.post(path, data={"csrf_token": token, **(data or {})})


def rows(page: str) -> list[str]:
    """Return the text of each audit row of the page (unescaped)."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [html_lib.unescape(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "<code>" in r]


def test_audit_page_shows_who_what_when_and_before_after(client, manager, unit):
    bed = unit["beds"][0]
    manager(f"/unit/beds/{bed.id}/edit", {"code": "B1X", "room": bed.room_id, "features": ["isolation"]})
    page = client.get("/audit/")
    assert page.status_code == 200
    first = rows(page.get_data(as_text=True))[0]
    record = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert f"bed#{bed.id}" in first and "update" in first and "manager@trc.test" in first
    assert record.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") in first
    assert re.search(r"code:</span>\s*<del>B1</del> → <ins>B1X</ins>", first)
    assert '<del>["telemetry", "isolation"]</del> → <ins>["isolation"]</ins>' in first


def test_audit_page_shows_instants_in_the_unit_time_zone(client, manager, unit):
    manager(f"/unit/beds/{unit['beds'][1].id}/closures", {"reason": "cleaning", "start": "2026-12-01T08:00"})
    first = rows(client.get("/audit/?table=bed_closure").get_data(as_text=True))[0]
    assert re.search(r"start:</span>\s*Tue 01 Dec 2026 08:00", first)


def test_audit_filters_by_table_action_actor_row_and_dates(client, manager, unit):
    bed = unit["beds"][1]
    manager(f"/unit/beds/{bed.id}/deactivate")

    def listed(query: str) -> list[str]:
        resp = client.get(f"/audit/?{query}")
        assert resp.status_code == 200, query
        return rows(resp.get_data(as_text=True))

    assert all("bed#" in r for r in listed("table=bed")) and len(listed("table=bed")) == 5
    [update] = listed("table=bed&action=update")
    assert f"bed#{bed.id}" in update and "active:" in update
    assert len(listed("actor=MANAGER@trc")) == 1
    assert len(listed("actor=tests")) > 30
    by_row = listed(f"table=bed&row_id={bed.id}")
    assert by_row and all(f"bed#{bed.id}" in r for r in by_row) and "active:" in by_row[0]
    today = utcnow().astimezone(TZ).date()
    assert len(listed(f"table=bed&date_from={today}&date_to={today}")) == 5
    assert listed(f"date_from={today + timedelta(days=1)}") == []
    assert listed(f"date_to={today - timedelta(days=1)}") == []
    assert "No audit records match." in client.get("/audit/?table=study").get_data(as_text=True)


def test_invalid_audit_filters_are_shown_beside_the_field(client, manager):
    resp = client.get("/audit/?date_from=soon")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert re.search(r'id="date_from".*?invalid-feedback d-block">Not a valid date value', page, re.S)
    resp = client.get("/audit/?date_from=2026-12-02&date_to=2026-12-01")
    assert resp.status_code == 422 and "The last day cannot be before the first." in resp.get_data(as_text=True)


def test_audit_is_paginated_by_fifty_newest_first(app, client, manager, users):
    generate_shifts(users["manager"], WEEK_MONDAY + timedelta(days=7), 14)
    db.session.commit()
    total = db.session.query(AuditRecord).count()
    assert total > 50
    first = client.get("/audit/").get_data(as_text=True)
    assert len(rows(first)) == 50 and f"{total} records · page 1 of 2" in first
    assert re.search(r"shift#\S+.*insert", rows(first)[0], re.S) and "2026-12-" in rows(first)[0]
    second = client.get("/audit/?page=2").get_data(as_text=True)
    assert len(rows(second)) == total - 50 and "page 2 of 2" in second
    filtered = client.get("/audit/?actor=tests&page=2").get_data(as_text=True)
    assert "page 2 of 2" in filtered
    assert re.search(r'href="/audit/\?(page=1&amp;actor=tests|actor=tests&amp;page=1)"', filtered)
    assert len(rows(client.get("/audit/?table=shift&page=9").get_data(as_text=True))) == 42


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_audit_page_is_for_managers_only(client, users, login, role):
    login(users[role])
    assert client.get("/audit/").status_code == 403
    with pytest.raises(NotAllowed):
        search_audit(users[role], AuditFilter())


def test_audit_page_sends_anonymous_to_login(client):
    resp = client.get("/audit/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_admin_sees_the_audit_page(client, users, login):
    login(users["admin"])
    assert client.get("/audit/?table=user").status_code == 200


@pytest.mark.parametrize("statement", ["UPDATE audit_record SET actor = 'someone else'",
                                       "DELETE FROM audit_record"])
def test_audit_records_cannot_be_changed_or_deleted(app, unit, statement):
    count = db.session.query(AuditRecord).count()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert db.session.query(AuditRecord).count() == count
    assert db.session.scalar(select(AuditRecord.actor).limit(1)) == "tests"


def test_changed_fields_gives_before_and_after(app, unit):
    insert = db.session.scalars(select(AuditRecord).where(AuditRecord.table_name == "room")).first()
    assert ("code", None, "R1") in changed_fields(insert)
    assert all(after not in (None, []) for _, _, after in changed_fields(insert))
    update = AuditRecord(action="update", before={"name": "A"}, after={"name": "B"})
    assert changed_fields(update) == [("name", "A", "B")]
    delete = AuditRecord(action="delete", before={"code": "X", "note": None}, after=None)
    assert changed_fields(delete) == [("code", "X", None)]
