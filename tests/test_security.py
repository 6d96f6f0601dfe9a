"""Sign-in and session safety: idle timeout, rate limit, production secret, schema without drift."""
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import ProductionConfig
from trc_scheduler.app import create_app
from trc_scheduler.extensions import db
from trc_scheduler.models import LoginAttempt, LoginSession


def test_idle_session_is_signed_out(app, client, users, login):
    login(users["manager"])
    assert client.get("/").status_code == 200
    session_row = db.session.scalars(db.select(LoginSession)).one()
    session_row.last_seen_at -= timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    db.session.expire_all()
    assert db.session.scalars(db.select(LoginSession)).one().revoked_at is not None


def test_active_session_survives_within_the_idle_window(app, client, users, login):
    login(users["manager"])
    session_row = db.session.scalars(db.select(LoginSession)).one()
    session_row.last_seen_at -= timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1)
    db.session.commit()
    assert client.get("/").status_code == 200


def test_repeated_failed_sign_ins_are_rate_limited(app, client, users, login):
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert login(users["manager"], password="wrong").status_code == 200
    # Even the right password is refused while the limit holds.
    resp = login(users["manager"])
    assert resp.status_code == 429
    assert "Too many failed sign-ins" in resp.get_data(as_text=True)
    assert db.session.query(LoginAttempt).filter_by(success=True).count() == 0


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_post_without_csrf_token_is_refused(client, users, login):
    login(users["manager"])
    resp = client.post("/unit/settings", data={"name": "No token"})
    assert resp.status_code == 400


def test_session_cookie_is_httponly_and_samesite(client, users, login):
    client.get("/auth/login")
    resp = login(users["nurse"], follow=False)
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_migrations_match_the_models(app):
    """The migrated database has no drift from the models (what `flask db check` verifies)."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


@pytest.mark.parametrize("target", ["//evil.example/", "/%09/evil.example", "/\t/evil.example",
                                    "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_to_another_site(client, users, target):
    from .conftest import csrf_from

    page = client.get("/auth/login").get_data(as_text=True)
    resp = client.post("/auth/login?next=" + target.replace("\t", "%09"),
                       data={"email": "manager@trc.test", "password": "pw-manager", "csrf_token": csrf_from(page)})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_sign_in_goes_on_to_a_page_of_this_site(client, users):
    from .conftest import csrf_from

    page = client.get("/auth/login").get_data(as_text=True)
    resp = client.post("/auth/login?next=/studies/", data={"email": "manager@trc.test", "password": "pw-manager",
                                                           "csrf_token": csrf_from(page)})
    assert resp.headers["Location"] == "/studies/"


def test_domain_error_redirect_ignores_a_foreign_referrer(client, users, login, csrf):
    login(users["manager"])
    url = f"/users/{users['manager'].id}/deactivate"  # refused: you cannot deactivate yourself
    resp = client.post(url, data={"csrf_token": csrf("/users/")}, headers={"Referer": "https://evil.example/x"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    resp = client.post(url, data={"csrf_token": csrf("/users/")}, headers={"Referer": "http://localhost/users/"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/users/"
