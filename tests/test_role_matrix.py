"""Roles are enforced on the server for every route: a role × route matrix of expected statuses.

Every registered endpoint must appear here (the last test fails otherwise), so a new page
cannot ship without stating who may open it.
"""
import json

import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import ScheduleVersion, ScheduleWeek, VersionStatus, VisitPrecedence

from . import factories
from .paths import INSTANCES

SPEC = INSTANCES
ROLES = ("anonymous", "admin", "manager", "investigator", "investigator2", "nurse")
PLAN = {"anonymous": 302, "admin": 200, "manager": 200, "investigator": 403, "investigator2": 403, "nurse": 403}
READ_ALL = {"anonymous": 302, "admin": 200, "manager": 200, "investigator": 200, "investigator2": 200, "nurse": 200}
# Pages of the investigator's study: the other investigator must not learn it exists (404).
STUDY_READ = {"anonymous": 302, "admin": 200, "manager": 200, "investigator": 200, "investigator2": 404, "nurse": 200}
STUDY_EDIT = {"anonymous": 302, "admin": 200, "manager": 200, "investigator": 200, "investigator2": 404, "nurse": 403}
CREATE_STUDY = {"anonymous": 302, "admin": 200, "manager": 200, "investigator": 200, "investigator2": 200, "nurse": 403}

# endpoint -> (url template, expectations)
GET_MATRIX = {
    "main.index": ("/", READ_ALL),
    "unit.settings": ("/unit/settings", PLAN),
    "unit.beds": ("/unit/beds", PLAN),
    "unit.bed_form": ("/unit/beds/{bed}/edit", PLAN),
    "unit.room_form": ("/unit/rooms/{room}/edit", PLAN),
    "unit.closures": ("/unit/beds/{bed}/closures", PLAN),
    "unit.staff": ("/unit/staff", PLAN),
    "unit.staff_form": ("/unit/staff/{staff}/edit", PLAN),
    "unit.leave": ("/unit/staff/{staff}/leave", PLAN),
    "unit.shifts": ("/unit/shifts", PLAN),
    "unit.shift_form": ("/unit/shifts/{shift}/edit", PLAN),
    "unit.pattern_form": ("/unit/shifts/patterns/new", PLAN),
    "audit.index": ("/audit/", PLAN),
    "studies.index": ("/studies/", READ_ALL),
    "studies.new": ("/studies/new", CREATE_STUDY),
    "studies.detail": ("/studies/{study}", STUDY_READ),
    "studies.edit": ("/studies/{study}/edit", STUDY_EDIT),
    "studies.team": ("/studies/{study}/team", STUDY_EDIT),
    "studies.new_participant": ("/studies/{study}/participants/new", STUDY_EDIT),
    "studies.edit_participant": ("/studies/{study}/participants/{participant}/edit", STUDY_EDIT),
    "studies.new_template": ("/studies/{study}/templates/new", STUDY_EDIT),
    "studies.template_detail": ("/studies/{study}/templates/{template}", STUDY_READ),
    "studies.edit_template": ("/studies/{study}/templates/{template}/edit", STUDY_EDIT),
    "studies.new_segment": ("/studies/{study}/templates/{template}/segments/new", STUDY_EDIT),
    "studies.edit_segment": ("/studies/{study}/templates/{template}/segments/{segment}/edit", STUDY_EDIT),
    "studies.new_task": ("/studies/{study}/templates/{template}/tasks/new", STUDY_EDIT),
    "studies.edit_task": ("/studies/{study}/templates/{template}/tasks/{task}/edit", STUDY_EDIT),
    "studies.visits": ("/studies/{study}/visits", STUDY_READ),
    "studies.new_visit": ("/studies/{study}/visits/new", STUDY_EDIT),
    "studies.visit_detail": ("/studies/{study}/visits/{visit}", STUDY_READ),
    "studies.edit_visit": ("/studies/{study}/visits/{visit}/edit", STUDY_EDIT),
    "studies.new_precedence": ("/studies/{study}/precedences/new", STUDY_EDIT),
    "schedules.index": ("/schedules/", PLAN),
    "schedules.version": ("/schedules/versions/{version}/summary", PLAN),
    "schedules.diff": ("/schedules/versions/{version}/diff", PLAN),
    "schedules.export_json": ("/schedules/versions/{version}/export.json", PLAN),
    "schedules.export_csv": ("/schedules/versions/{version}/export.csv?kind=stays", PLAN),
    "review.version": ("/schedules/versions/{version}", PLAN),
    "review.print_board": ("/schedules/versions/{version}/print", PLAN),
    "roster.today": ("/roster/", READ_ALL),
    "roster.shift": ("/roster/{shift_code}", READ_ALL),
    "roster.mine": ("/roster/me", READ_ALL),
    "roster.my_ics": ("/roster/me.ics", READ_ALL),
    "roster.calendar_page": ("/roster/calendar", READ_ALL),
    "roster.version": ("/roster/version?week=2026-W48", READ_ALL),
    "users.index": ("/users/", PLAN),
    "users.form": ("/users/new", PLAN),
}

NO_SESSION_NEEDED = {"auth.login", "main.healthz", "static", "roster.feed"}
# Routes that only take POST (or need job ids made by a solve) are covered by the POST matrix
# below or by their own area's tests; they are listed so the completeness check knows them.
COVERED_ELSEWHERE = {
    "auth.logout", "unit.generate", "unit.bed_active", "unit.room_active", "unit.staff_active",
    "unit.pattern_active", "unit.closure_action", "unit.leave_remove", "studies.close",
    "studies.remove_member", "studies.remove_part", "studies.remove_precedence", "studies.visit_action",
    "schedules.generate", "schedules.resolve", "schedules.job", "schedules.job_progress", "schedules.cancel", "schedules.retry",
    "schedules.publish", "schedules.discard", "review.adjust", "review.unpin", "roster.revoke", "users.set_active",
}


@pytest.fixture
def world(app, users, unit):
    """The records every URL of the matrix needs, owned by `investigator`."""
    study = factories.make_study(users["investigator"], code="MTX-01")
    visit = factories.make_visit(study)
    other = factories.make_visit(study, day=3)
    db.session.add(VisitPrecedence(before_id=visit.id, after_id=other.id, min_gap_minutes=60))
    week = ScheduleWeek(week="2026-W48")
    db.session.add(week)
    db.session.flush()
    version = ScheduleVersion(week_id=week.id, status=VersionStatus.draft, solver_status="FEASIBLE",
                              instance=json.loads((SPEC / "example-small.json").read_text()),
                              schedule=json.loads((SPEC / "example-small.schedule.json").read_text()))
    db.session.add(version)
    db.session.commit()
    template = study.templates[0]
    return {
        "bed": unit["beds"][0].id, "room": unit["rooms"][0].id, "staff": unit["staff"][0].id,
        "shift": unit["shifts"][0].id, "shift_code": unit["shifts"][0].code, "study": study.id,
        "participant": study.participants[0].id, "template": template.id,
        "segment": template.segments[0].id, "task": template.tasks[0].id, "visit": visit.id,
        "version": version.id,
    }


def _as(role, client, users, login):
    if role != "anonymous":
        resp = login(users[role])
        assert resp.status_code == 200, f"{role} could not sign in"


CASES = [(endpoint, role) for endpoint in GET_MATRIX for role in ROLES]


@pytest.mark.parametrize("endpoint,role", CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_get_route_status_by_role(endpoint, role, client, users, world, login):
    url, expected = GET_MATRIX[endpoint]
    _as(role, client, users, login)
    resp = client.get(url.format(**world))
    assert resp.status_code == expected[role], f"{role} GET {url}: {resp.status_code}"
    if expected[role] == 302:
        assert "/auth/login" in resp.headers["Location"]


POST_MATRIX = [
    # (url, form data, role, expected status)
    ("/unit/settings", {"name": "X"}, "nurse", 403),
    ("/unit/settings", {"name": "X"}, "investigator", 403),
    ("/unit/beds/new", {"code": "B9"}, "nurse", 403),
    ("/unit/shifts/generate", {"first_day": "2026-11-30", "days": "7"}, "investigator", 403),
    ("/studies/{study}/edit", {"title": "Hijack"}, "investigator2", 404),
    ("/studies/{study}/edit", {"title": "Hijack"}, "nurse", 403),
    ("/studies/{study}/participants/new", {"code": "X-1"}, "nurse", 403),
    ("/studies/{study}/participants/new", {"code": "X-1"}, "investigator2", 404),
    ("/studies/{study}/visits/{visit}/approve", {}, "investigator", 403),
    ("/schedules/generate", {"week": "2026-W48"}, "investigator", 403),
    ("/schedules/generate", {"week": "2026-W48"}, "nurse", 403),
    ("/schedules/versions/{version}/publish", {}, "nurse", 403),
    ("/schedules/versions/{version}/adjust/unschedule", {}, "investigator", 403),
]


@pytest.mark.parametrize("url,data,role,expected", POST_MATRIX,
                         ids=[f"{u}-{r}" for u, _, r, _ in POST_MATRIX])
def test_post_route_status_by_role(url, data, role, expected, client, users, world, login, csrf):
    _as(role, client, users, login)
    resp = client.post(url.format(**world), data={**data, "csrf_token": csrf("/")})
    assert resp.status_code == expected


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(GET_MATRIX) - NO_SESSION_NEEDED - COVERED_ELSEWHERE
    assert not missing, f"routes without an access expectation: {sorted(missing)}"


def test_every_route_turns_anonymous_away(app, client, world):
    """Anonymous requests to any route but sign-in, health, static and token feeds go to the login page."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_SESSION_NEEDED:
            continue
        values = {arg: 1 for arg in rule.arguments}
        if "action" in rule.arguments or "verb" in rule.arguments or "kind" in rule.arguments:
            continue  # converter-restricted segments; the POST matrix and area tests cover them
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        method = "GET" if "GET" in rule.methods else "POST"
        resp = client.open(url, method=method)
        assert resp.status_code in (302, 400), f"{method} {url} -> {resp.status_code}"
        if resp.status_code == 302:
            assert "/auth/login" in resp.headers["Location"], url
        del values
