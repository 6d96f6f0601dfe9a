"""The app starts on a migrated database and guards its pages."""
from trc_scheduler.models import AuditRecord, LoginSession


def test_login_page_renders_with_csrf_token(client):
    resp = client.get("/auth/login")
    assert resp.status_code == 200
    assert 'name="csrf_token"' in resp.get_data(as_text=True)


def test_home_redirects_anonymous_to_login(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert "/auth/login" in resp.headers["Location"]


def test_login_then_home_shows_unit(client, users, unit, login):
    resp = login(users["manager"])
    assert resp.status_code == 200
    assert "Test Unit" in resp.get_data(as_text=True)


def test_wrong_password_is_refused_beside_the_field(client, users, login):
    resp = login(users["manager"], password="nope")
    assert resp.status_code == 200
    assert "Email or password is not right." in resp.get_data(as_text=True)


def test_unit_creation_writes_audit_rows(app, unit):
    tables = {r.table_name for r in AuditRecord.query.all()}
    assert {"unit_settings", "room", "bed", "staff_member", "shift"} <= tables


def test_security_headers_present(client):
    resp = client.get("/auth/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"


def test_copied_session_cookie_is_rejected_after_logout(app, client, users, login, csrf):
    login(users["nurse"])
    cookie = client.get_cookie("session").value
    token = csrf("/")
    client.post("/auth/logout", data={"csrf_token": token})
    other = app.test_client()
    other.set_cookie("session", cookie)
    resp = other.get("/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert LoginSession.query.one().revoked_at is not None


def test_insert_audit_rows_name_the_new_row_id(app, unit):
    bed = unit["beds"][0]
    record = AuditRecord.query.filter_by(table_name="bed", action="insert", row_id=str(bed.id)).one()
    assert record.after["code"] == bed.code


def test_cascaded_orphan_delete_is_audited(app, users):
    from trc_scheduler.extensions import db
    from . import factories

    study = factories.make_study(users["investigator"], code="AUD-1")
    template = study.templates[0]
    segment_id = template.segments[0].id
    template.segments.clear()  # delete-orphan cascade, no explicit session.delete
    db.session.commit()
    record = AuditRecord.query.filter_by(table_name="nursing_segment", action="delete",
                                         row_id=str(segment_id)).one()
    assert record.before["ratio"] == 1
