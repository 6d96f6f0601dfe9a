"""The review page of a schedule version: boards, left-out visits, cost, print page and who may see them."""
import copy
import json
from pathlib import Path

import pytest

from trc_scheduler.audit import set_actor
from trc_scheduler.extensions import db
from trc_scheduler.models import (Bed, BedClosure, ClosureReason, Phase, Room, ScheduleVersion, ScheduleWeek,
                                  Study, VersionStatus)

from .factories import local
from .paths import INSTANCES

SPEC = INSTANCES


def example(name: str) -> dict:
    """Load one of the spec's example files."""
    return json.loads((SPEC / name).read_text())


def make_draft(instance: dict | None = None, schedule: dict | None = None, week: str = "2026-W48",
               status: VersionStatus = VersionStatus.draft, **kw) -> ScheduleVersion:
    """Commit a week and a version built straight from JSON (no solver involved)."""
    set_actor(db.session, None, "tests")
    instance = instance or example("example-small.json")
    schedule = schedule or example("example-small.schedule.json")
    row = db.session.query(ScheduleWeek).filter_by(week=week).one_or_none() or ScheduleWeek(week=week)
    version = ScheduleVersion(week=row, status=status, instance=instance, schedule=schedule, pins={},
                              solver_status=schedule["status"], objective=schedule.get("objective"),
                              bound=schedule.get("bound"), solve_seconds=schedule.get("solve_seconds"), **kw)
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def draft(app, users):
    return make_draft(created_by_id=users["manager"].id)


def page(client, version) -> str:
    resp = client.get(f"/schedules/versions/{version.id}")
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_review_page_shows_week_board_beds_participants_and_stay_labels(client, users, login, draft):
    login(users["manager"])
    html = page(client, draft)
    assert "Week 2026-W48" in html and "Draft" in html
    for bed in ("B01", "B03", "B06"):
        assert f">{bed}<" in html
    assert "Room 3" in html
    assert "P004 · PED-PK" in html
    assert "Pediatric PK day stay" in html
    assert "Challenge inoculation and quarantine" in html
    assert 'class="bar turnover' in html  # the hatched tail after a stay
    assert "Outpatient" in html  # V011 needs no bed


def test_stay_that_began_before_the_week_is_clipped_with_an_arrow(client, users, login, draft):
    login(users["manager"])
    html = page(client, draft)
    # V001 started on 20 Nov, three days before the horizon.
    assert 'class="bar stay clip-start"' in html
    assert "V001 · P001 (MAD) MAD stay in progress · Fri 20 Nov 02:00" in html


def test_board_shows_solver_figures_cost_terms_and_checker_verdict(client, users, login, draft):
    login(users["manager"])
    html = page(client, draft)
    assert "FEASIBLE" in html and ">138<" in html and ">116<" in html
    assert "15.9%" in html  # gap (138 - 116) / 138
    assert "26.3 s" in html
    assert "Hours away from target start" in html and ">83<" in html
    assert "Extra primary nurses (continuity of care)" in html and ">55<" in html
    assert "all rules hold" in html


def test_study_colour_comes_from_the_database_else_a_stable_palette(client, users, login, draft):
    db.session.add(Study(code="PED-PK", title="Pediatric PK", protocol_number="P-PK", phase=Phase.phase1,
                         color="#123456"))
    db.session.commit()
    login(users["manager"])
    html = page(client, draft)
    assert "--c:#123456" in html
    from trc_scheduler.services.boards import PALETTE, study_colors
    codes = ["CHALLENGE", "CROSSOVER", "FIH-SAD", "MAD", "PED-PK"]
    colors = study_colors(codes, {"PED-PK": "#123456"})
    assert f"--c:{colors['MAD']}" in html
    assert colors == study_colors(codes, {"PED-PK": "#123456"})  # stable
    assert len(set(colors.values())) == len(codes)  # distinct while the palette lasts
    assert set(colors.values()) - {"#123456"} <= set(PALETTE)


def test_staffing_board_shows_loads_leave_preferences_and_totals(client, users, login, draft):
    login(users["manager"])
    html = page(client, draft)
    assert "Nurse 8" in html and "pharmacist 1" in html
    assert "100%" in html  # S001 on 23 Nov night: V004 50% + V008 50%
    assert ">leave" in html  # S004 unavailable from 24 Nov
    assert "pref. off" in html
    assert "charge (skill)" in html
    assert "1/1" in html  # RN and MD met on the day shifts


def test_staffing_totals_flag_a_shift_below_its_minimum(client, users, login, app):
    schedule = example("example-small.schedule.json")
    schedule["shifts"] = [s for s in schedule["shifts"] if s["staff"] != "S014"]  # no pharmacist
    version = make_draft(schedule=schedule)
    login(users["manager"])
    html = page(client, version)
    assert 'class="short"' in html and "0/1" in html
    assert "min staff: 2026-11-23-D" in html  # the checker explains it too


def test_unscheduled_visits_are_listed_with_the_engines_reason(client, users, login, app):
    schedule = example("example-small.schedule.json")
    schedule["visits"] = [v for v in schedule["visits"] if v["visit"] != "V007"]
    schedule["primary_nurses"] = [p for p in schedule["primary_nurses"] if p["visit"] != "V007"]
    schedule["unscheduled"] = [{"visit": "V007", "reason": "no bed free for 26 h in its window"}]
    version = make_draft(schedule=schedule)
    login(users["manager"])
    html = page(client, version)
    assert "Unscheduled visits" in html and "no bed free for 26 h in its window" in html
    assert "Optional visits left unscheduled" in html


def test_infeasible_version_lists_the_conflicts(client, users, login, app):
    instance = example("example-small.json")
    schedule = {"format": "trc-schedule/1", "instance": instance["id"], "status": "INFEASIBLE", "objective": None,
                "bound": None, "solve_seconds": 0.4, "visits": [], "shifts": [], "primary_nurses": [], "tasks": [],
                "unscheduled": [{"visit": v["id"], "reason": "nothing was scheduled (see conflicts)"}
                                for v in instance["visits"]],
                "conflicts": ["V001 and V002 both need the only isolation bed B01 on 23 Nov"]}
    version = make_draft(instance, schedule)
    login(users["manager"])
    html = page(client, version)
    assert "cannot all hold" in html and "the only isolation bed B01" in html


def test_closed_and_decommissioned_beds_are_greyed_with_the_reason(client, users, login, draft):
    set_actor(db.session, None, "tests")
    room = Room(code="R03", name="Room 3")
    closed = Bed(code="B04", room=room, features=["pediatric"])
    closed.closures.append(BedClosure(reason=ClosureReason.maintenance, start=local(2026, 11, 25, 8),
                                      end=local(2026, 11, 25, 18), note="new monitor"))
    db.session.add_all([room, closed, Bed(code="B07", room=room, features=[], active=False)])
    db.session.commit()
    login(users["manager"])
    html = page(client, draft)
    assert "Closed · maintenance: new monitor" in html
    assert "Out of service" in html and ">B07<" in html


def test_print_page_has_the_board_and_no_navigation(client, users, login, draft):
    login(users["manager"])
    resp = client.get(f"/schedules/versions/{draft.id}/print")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<nav" not in html and "Sign out" not in html
    assert "P004 · PED-PK" in html and "css/board.css" in html
    assert "<form" not in html and 'href="?visit=' not in html


def test_board_css_has_a_landscape_print_stylesheet(app):
    css = (Path(app.static_folder) / "css" / "board.css").read_text()
    assert "@media print" in css and "landscape" in css


def test_published_version_header_says_who_published_it(client, users, login, app):
    from datetime import datetime, timezone
    version = make_draft(status=VersionStatus.published, number=2, published_by_id=users["admin"].id,
                         published_at=datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc))
    login(users["manager"])
    html = page(client, version)
    assert "Published v2 by Admin" in html
    assert "cannot be changed" in html and 'id="adjust-move_stay"' not in html


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_investigators_and_nurses_may_not_see_the_review(client, users, login, draft, role):
    login(users[role])
    assert client.get(f"/schedules/versions/{draft.id}").status_code == 403
    assert client.get(f"/schedules/versions/{draft.id}/print").status_code == 403


def test_anonymous_is_sent_to_login(client, draft):
    resp = client.get(f"/schedules/versions/{draft.id}")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_unknown_version_is_404(client, users, login, app):
    login(users["admin"])
    assert client.get("/schedules/versions/999").status_code == 404


def test_board_positions_follow_real_minutes_of_the_horizon(app):
    from trc_scheduler.services.boards import week_board
    from trc_scheduler.solver.parsed import parse_instance
    inst = parse_instance(example("example-small.json"))
    board = week_board(inst, copy.deepcopy(example("example-small.schedule.json")), {}, {}, {})
    assert [d.label for d in board.days] == ["Mon 23 Nov", "Tue 24 Nov", "Wed 25 Nov", "Thu 26 Nov"]
    assert board.days[0].left == 0 and round(board.days[0].width, 2) == round(100 * 17 / 72, 2)
    b03 = next(b for room in board.rooms for b in room.beds if b.id == "B03")
    v005 = next(bar for bar in b03.bars if bar.visit == "V005" and bar.kind == "stay")
    assert v005.left == round(100 / 72, 3) and v005.width == round(100 * 10 / 72, 3)


def test_daylight_saving_sunday_is_23_hours_wide_on_the_board(app):
    from trc_scheduler.services.boards import week_board
    from trc_scheduler.solver.parsed import parse_instance
    inst = parse_instance(example("example-dst-week.json"))
    board = week_board(inst, {"visits": []}, {}, {}, {})
    hours = {d.label: round(d.width * inst.horizon_end / 100 / 60, 1) for d in board.days}
    assert hours["Sat 07 Mar"] == 24.0 and hours["Sun 08 Mar"] == 23.0 and hours["Mon 09 Mar"] == 7.0


def test_header_links_to_the_lifecycle_actions_that_are_installed(client, users, login, draft, app):
    login(users["manager"])
    html = page(client, draft)
    expected = {"schedules.publish": f"/schedules/versions/{draft.id}/publish",
                "schedules.resolve": f"/schedules/versions/{draft.id}/resolve",
                "schedules.diff": f"/schedules/versions/{draft.id}/diff",
                "schedules.export_csv": f"/schedules/versions/{draft.id}/export.csv?kind=shifts"}
    for endpoint, url in expected.items():
        assert (url in html) == (endpoint in app.view_functions), endpoint
    assert "Re-solve around my pins" in html or "schedules.resolve" not in app.view_functions
