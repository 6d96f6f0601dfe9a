"""The application factory."""
import logging

from flask import Flask

from . import audit  # noqa: F401  (registers the audit listener)
from .errors import register_error_handlers
from .extensions import csrf, db, install_sqlite_pragmas, login_manager, migrate


def create_app(config_class=None) -> Flask:
    """Create the app: bind extensions, blueprints, error handlers, security and CLI."""
    from pathlib import Path

    if config_class is None:
        from config import config_from_env
        config_class = config_from_env()
    root = Path(__file__).resolve().parent.parent
    app = Flask(__name__, template_folder=str(root / "templates"), static_folder="static",
                instance_path=str(root / "instance"))
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set outside development (export SECRET_KEY=...)")

    from .models.users import configure_password_hashing
    configure_password_hashing(app.config.get("ARGON2_TIME_COST"), app.config.get("ARGON2_MEMORY_COST"))
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)

    from .web import register_blueprints
    from .web.security import init_security
    from .web.filters import register_filters

    init_security(app)
    register_blueprints(app)
    register_filters(app)
    register_error_handlers(app)

    from .cli import register_cli
    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app
