"""Configuration read from environment variables, with safe defaults for development."""
import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _database_url() -> str:
    """Return DATABASE_URL, defaulting to a SQLite file under instance/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    (BASE_DIR / "instance").mkdir(exist_ok=True)
    return f"sqlite:///{BASE_DIR / 'instance' / 'trc.sqlite'}"


class Config:
    """Settings for a running unit; every value can come from the environment."""

    ENV_NAME = os.environ.get("TRC_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UNIT_TIMEZONE = os.environ.get("UNIT_TIMEZONE", "America/New_York")
    UNIT_NAME = os.environ.get("UNIT_NAME", "Translational Research Center")
    IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "15"))
    LOGIN_MAX_ATTEMPTS = int(os.environ.get("LOGIN_MAX_ATTEMPTS", "5"))
    LOGIN_ATTEMPT_WINDOW_MINUTES = int(os.environ.get("LOGIN_ATTEMPT_WINDOW_MINUTES", "15"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the (server-side) session
    REDIS_URL = os.environ.get("REDIS_URL")
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH", str(BASE_DIR / "instance" / "huey.sqlite"))
    HUEY_IMMEDIATE = os.environ.get("HUEY_IMMEDIATE", "0") == "1"
    SOLVER_TIME_LIMIT_S = float(os.environ.get("SOLVER_TIME_LIMIT_S", "60"))
    SOLVER_WORKERS = int(os.environ.get("SOLVER_WORKERS", "2"))
    TESTING = False


class DevelopmentConfig(Config):
    """Local development: a fixed throw-away secret and cookies over plain http."""

    ENV_NAME = "development"
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class ProductionConfig(Config):
    """A real deployment: SECRET_KEY must be set (create_app refuses to start without it)."""

    ENV_NAME = "production"


class TestConfig(Config):
    """Tests: a temporary SQLite file (or TEST_DATABASE_URL), queue in immediate mode."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/trc-test-{os.getpid()}.sqlite"
    )
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HUEY_IMMEDIATE = True
    SOLVER_TIME_LIMIT_S = 5.0
    # Cheap argon2id in tests only: hundreds of sign-ins must not take minutes.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


def config_from_env():
    """Pick the config class named by TRC_ENV; production unless development is asked for explicitly."""
    return DevelopmentConfig if os.environ.get("TRC_ENV") == "development" else ProductionConfig
