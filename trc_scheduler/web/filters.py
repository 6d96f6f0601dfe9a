"""Template filters that show UTC instants in the unit's time zone."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g

from ..services.unit import get_settings


def unit_timezone() -> ZoneInfo:
    """Return the unit's zone (settings row, else config), cached for the request."""
    if "unit_tz" not in g:
        settings = get_settings()
        g.unit_tz = ZoneInfo(settings.timezone if settings else current_app.config["UNIT_TIMEZONE"])
    return g.unit_tz


def local(dt: datetime | None, fmt: str = "%a %d %b %Y %H:%M") -> str:
    """Format an aware instant in the unit's local time zone."""
    if dt is None:
        return ""
    return dt.astimezone(unit_timezone()).strftime(fmt)


ALL = ("admin", "manager", "investigator", "nurse")
PLANNERS = ("admin", "manager")
# (endpoint, label, roles that see it); entries whose endpoint is not registered are hidden.
NAV_ITEMS = [
    ("roster.today", "Roster", ALL),
    ("schedules.index", "Schedules", PLANNERS),
    ("studies.index", "Studies", ALL),
    ("unit.beds", "Beds", PLANNERS),
    ("unit.staff", "Staff", PLANNERS),
    ("unit.shifts", "Shifts", PLANNERS),
    ("unit.settings", "Unit", PLANNERS),
    ("users.index", "Users", PLANNERS),
    ("audit.index", "Audit", PLANNERS),
]


def register_filters(app) -> None:
    """Register the `local`, `localdate`, `localtime` filters and the unit zone global."""
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["localdate"] = lambda dt: local(dt, "%a %d %b %Y")
    app.jinja_env.filters["localtime"] = lambda dt: local(dt, "%H:%M")
    app.jinja_env.filters["localinput"] = lambda dt: local(dt, "%Y-%m-%dT%H:%M")

    @app.context_processor
    def _unit():
        tz = unit_timezone()
        settings = get_settings()
        return {"nav_items": NAV_ITEMS, "view_functions": current_app.view_functions, "unit_tz": tz, "unit_tz_name": tz.key,
                "unit_name": settings.name if settings else current_app.config.get("UNIT_NAME")}
