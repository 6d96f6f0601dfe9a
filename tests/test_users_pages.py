"""Managers manage user accounts; a nurse's account is linked to their staff record."""
import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import AuditRecord, LoginSession, Role, User


@pytest.fixture
def as_manager(client, users, unit, login):
    login(users["manager"])
    return client


def _post(client, csrf, url, **data):
    return client.post(url, data={"csrf_token": csrf("/users/new"), **data})


def test_manager_creates_a_nurse_linked_to_staff_who_can_sign_in(app, as_manager, csrf, unit):
    staff = unit["staff"][0]
    resp = _post(as_manager, csrf, "/users/new", email="New.Nurse@trc.test", display_name="RN New",
                 role="nurse", staff_id=str(staff.id), password="a-long-enough-pw")
    assert resp.status_code == 302
    user = User.query.filter_by(email="new.nurse@trc.test").one()
    assert user.role == Role.nurse and user.staff_id == staff.id
    record = AuditRecord.query.filter_by(table_name="user", action="insert", row_id=str(user.id)).one()
    assert record.after["password_hash"] == "<redacted>"
    other = app.test_client()
    page = other.get("/auth/login").get_data(as_text=True)
    from tests.conftest import csrf_from
    resp = other.post("/auth/login", data={"email": "new.nurse@trc.test", "password": "a-long-enough-pw",
                                           "csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "Signed in as RN New" in resp.get_data(as_text=True)


@pytest.mark.parametrize("data,field_error", [
    (dict(email="not-an-email", role="manager", password="a-long-enough-pw"), "Enter an email address"),
    (dict(email="manager@trc.test", role="manager", password="a-long-enough-pw"), "There is already an account"),
    (dict(email="x@trc.test", role="nurse", password="a-long-enough-pw"), "must be linked to their staff record"),
    (dict(email="y@trc.test", role="manager", password="short"), "at least 12 characters"),
])
def test_bad_account_is_refused_beside_the_field(as_manager, csrf, data, field_error):
    before = User.query.count()
    resp = _post(as_manager, csrf, "/users/new", display_name="Someone", staff_id="None", **data)
    assert resp.status_code == 422
    assert field_error in resp.get_data(as_text=True)
    assert User.query.count() == before


def test_deactivating_an_account_signs_it_out_everywhere(app, as_manager, csrf, users, login):
    nurse_client = app.test_client()
    from tests.conftest import csrf_from
    page = nurse_client.get("/auth/login").get_data(as_text=True)
    nurse_client.post("/auth/login", data={"email": "nurse@trc.test", "password": "pw-nurse",
                                           "csrf_token": csrf_from(page)})
    assert nurse_client.get("/").status_code == 200
    resp = _post(as_manager, csrf, f"/users/{users['nurse'].id}/deactivate")
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, users["nurse"].id).active
    assert all(s.revoked_at for s in LoginSession.query.filter_by(user_id=users["nurse"].id))
    assert nurse_client.get("/").status_code == 302


def test_manager_cannot_promote_to_admin(as_manager, csrf, users):
    resp = _post(as_manager, csrf, f"/users/{users['investigator'].id}/edit", email="inv@trc.test",
                 display_name="Inv", role="admin", staff_id="None")
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, users["investigator"].id).role == Role.investigator


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_only_managers_manage_accounts(client, users, login, csrf, role):
    login(users[role])
    assert client.get("/users/").status_code == 403
    assert client.post("/users/new", data={"csrf_token": csrf("/"), "email": "z@trc.test"}).status_code == 403
