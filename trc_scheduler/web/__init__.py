"""Blueprints, one per area of the app."""


def register_blueprints(app) -> None:
    """Register every area's blueprint."""
    from . import audit, auth, main, review, roster, schedules, studies, unit, users

    for module in (auth, main, unit, studies, audit, roster, schedules, review, users):
        app.register_blueprint(module.bp)
