"""Fixtures: an app on a freshly migrated database, a client, a CLI runner, users and a small unit.

The schema comes from the migrations (never create_all), built once per test session:
on SQLite a migrated template file is copied for each test; on PostgreSQL
(TEST_DATABASE_URL=postgresql+psycopg://...) the tables are truncated between tests.
"""
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import TestConfig
from trc_scheduler.app import create_app
from trc_scheduler.extensions import db

from . import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_PG = PG_URL.startswith("postgresql")


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Cfg)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _template_db():
    """Migrate an empty database once per test session."""
    if IS_PG:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL)
        yield PG_URL
        return
    folder = Path(tempfile.mkdtemp(prefix="trc-tests-"))
    template = folder / "template.sqlite"
    _migrate(f"sqlite:///{template}")
    yield template
    shutil.rmtree(folder, ignore_errors=True)


def _fresh_url(template, tmp_path) -> str:
    if IS_PG:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    target = tmp_path / "test.sqlite"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def make_app(_template_db, tmp_path):
    """Return a factory of apps on this test's database, with config overrides."""
    url = _fresh_url(_template_db, tmp_path)
    apps = []

    def factory(**overrides):
        attrs = {"SQLALCHEMY_DATABASE_URI": url, "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite")}
        attrs.update(overrides)
        cfg = type("Cfg", (TestConfig,), attrs)
        app = create_app(cfg)
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


class IsolatedClient(FlaskClient):
    """Run each request in its own app context, as in production (own `g`, own DB session)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One committed user per role (password 'pw-<role>'), plus a second investigator."""
    return factories.make_users()


@pytest.fixture
def unit(app):
    """A small unit: settings, 3 rooms / 4 beds, day and night patterns, one week of shifts, 6 staff."""
    return factories.make_unit()


@pytest.fixture
def login(client):
    """Sign a user in through the real login form; returns the response."""

    def do_login(user_or_email, password=None, follow=True):
        email = getattr(user_or_email, "email", user_or_email)
        password = password or factories.password_for(email)
        resp = client.get("/auth/login")
        token = csrf_from(resp.get_data(as_text=True))
        return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token},
                           follow_redirects=follow)

    return do_login


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf(client):
    """Return a CSRF token valid for the client's session (fetches a page with a form)."""

    def get(path="/"):
        resp = client.get(path, follow_redirects=True)
        return csrf_from(resp.get_data(as_text=True))

    return get


class Browser:
    """One signed-in person: their own client, CSRF token on every POST, a fresh view of the database after."""

    def __init__(self, app, user):
        self.client = app.test_client()
        page = self.client.get("/auth/login").get_data(as_text=True)
        self.token = csrf_from(page)
        resp = self.client.post("/auth/login", data={"email": user.email, "csrf_token": self.token,
                                                     "password": factories.password_for(user.email)})
        assert resp.status_code == 302, "sign-in failed"
        self.token = csrf_from(self.client.get("/").get_data(as_text=True))

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        resp = self.client.post(path, data={**(data or {}), "csrf_token": self.token}, **kw)
        db.session.expire_all()
        return resp


@pytest.fixture
def as_user(app, users):
    """Return a function that signs a user in (by role name) and gives their Browser."""
    return lambda role: Browser(app, users[role])
