"""Manual changes to a draft: saved when every rule still holds, refused with the rule in words otherwise."""
import copy

import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import AuditRecord, ScheduleVersion, VersionStatus
from trc_scheduler.services.adjust import ChangeRejected, apply_change, draft_fingerprint
from trc_scheduler.solver import check

from .test_review_pages import example, make_draft


@pytest.fixture
def draft(app, users):
    return make_draft(created_by_id=users["manager"].id)


@pytest.fixture
def post_change(client, csrf):
    """POST one adjust form of the review page (field names carry the action as prefix)."""

    def post(version, action, follow=False, **fields):
        data = {f"{action}-{name}": value for name, value in fields.items()}
        data["csrf_token"] = csrf(f"/schedules/versions/{version.id}")
        return client.post(f"/schedules/versions/{version.id}/adjust/{action}", data=data,
                           follow_redirects=follow)

    return post


def reload(version) -> ScheduleVersion:
    db.session.expire_all()
    return db.session.get(ScheduleVersion, version.id)


def placement(version, vid) -> dict:
    return next(e for e in version.schedule["visits"] if e["visit"] == vid)


def test_moving_a_stay_to_a_free_bed_is_saved_pinned_and_still_valid(client, users, login, draft, post_change):
    login(users["manager"])
    nurses_before = [e for e in draft.schedule["primary_nurses"] if e["visit"] == "V005"]
    resp = post_change(draft, "move_stay", visit="V005", bed="B04")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/schedules/versions/{draft.id}")
    v = reload(draft)
    assert placement(v, "V005") == {"visit": "V005", "start": "2026-11-23T08:00:00-05:00", "bed": "B04"}
    assert v.pins["visits"]["V005"] == {"start": "2026-11-23T08:00:00-05:00", "bed": "B04"}
    assert [e for e in v.schedule["primary_nurses"] if e["visit"] == "V005"] == nurses_before  # kept: still valid
    report = check(v.instance, v.schedule)
    assert report.violations == []
    assert v.objective == report.cost == v.schedule["objective"] and v.solver_status == "FEASIBLE"
    assert v.bound == 116 and v.cost_terms == report.cost_terms
    assert AuditRecord.query.filter_by(table_name="schedule_version", action="update").count() >= 1
    html = client.get(f"/schedules/versions/{draft.id}").get_data(as_text=True)
    assert "V005 moved to B04, Mon 23 Nov 08:00 (and pinned). Cost 138 → 138." in html
    assert "V005 kept at start Mon 23 Nov 08:00 and bed B04" in html


def test_moving_a_stay_to_a_new_local_start_is_saved(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "move_stay", visit="V007", start="2026-11-25T08:00")
    assert resp.status_code == 302
    v = reload(draft)
    assert placement(v, "V007") == {"visit": "V007", "start": "2026-11-25T08:00:00-05:00", "bed": "B06"}
    assert check(v.instance, v.schedule).ok
    assert v.objective == 139  # one hour further from its target


def test_moving_a_stay_into_an_occupied_bed_is_refused_with_the_rule_and_nothing_saved(
        client, users, login, draft, post_change):
    login(users["manager"])
    before = copy.deepcopy(draft.schedule)
    resp = post_change(draft, "move_stay", visit="V007", bed="B05")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Not saved: this change breaks 1 rule of the schedule." in html
    assert "H3 bed conflict: V001 (B05" in html and "overlaps V007" in html
    assert 'id="adjust-move_stay"' in html and "adjust-card failed" in html
    v = reload(draft)
    assert v.schedule == before and v.pins == {} and v.objective == 138 and v.solver_status == "FEASIBLE"


def test_a_move_that_leaves_a_stay_without_a_nurse_names_h7(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "move_stay", visit="V005", start="2026-11-23T19:00")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "H3 bed conflict" in html and "H7 primary nurse: V005 has 0 primary nurses in 2026-11-23-N" in html


def test_pinning_a_stay_without_values_pins_it_where_it_is(client, users, login, draft, post_change):
    login(users["manager"])
    assert post_change(draft, "pin_stay", visit="V003").status_code == 302
    v = reload(draft)
    assert v.pins["visits"] == {"V003": {"start": "2026-11-23T07:00:00-05:00", "bed": "B02"}}
    assert v.schedule["visits"] == example("example-small.schedule.json")["visits"]


def test_pinning_an_unscheduled_visit_places_it_and_staffs_it(app, users):
    schedule = example("example-small.schedule.json")
    schedule["visits"] = [e for e in schedule["visits"] if e["visit"] != "V007"]
    schedule["primary_nurses"] = [e for e in schedule["primary_nurses"] if e["visit"] != "V007"]
    schedule["unscheduled"] = [{"visit": "V007", "reason": "left out"}]
    schedule["objective"] = check(example("example-small.json"), {**schedule, "objective": None}).cost
    version = make_draft(schedule=schedule)
    report = apply_change(users["manager"], version, {"action": "pin_stay", "visit": "V007", "bed": "B06",
                                                      "start": "2026-11-25T07:00:00-05:00"})
    db.session.commit()
    assert report.ok and report.cost == 138
    nurses = {e["shift"]: e["staff"] for e in version.schedule["primary_nurses"] if e["visit"] == "V007"}
    assert set(nurses) == {"2026-11-25-D", "2026-11-25-N"}  # one nurse per shift the stay overlaps
    assert nurses["2026-11-25-D"] == "S007"  # the only day nurse with room for another patient
    assert version.schedule["unscheduled"] == []


def test_unscheduling_records_who_did_it(client, users, login, draft, post_change):
    login(users["manager"])
    assert post_change(draft, "unschedule", visit="V007").status_code == 302
    v = reload(draft)
    assert {"visit": "V007", "reason": "unscheduled by Manager"} in v.schedule["unscheduled"]
    assert all(e["visit"] != "V007" for e in v.schedule["visits"] + v.schedule["primary_nurses"])
    assert check(v.instance, v.schedule).ok and v.cost_terms["unscheduled"] == 2000


def test_unscheduling_a_mandatory_stay_is_refused_with_h1(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "unschedule", visit="V001")
    assert resp.status_code == 422
    assert "H1 mandatory: V001 (MAD stay in progress) is mandatory but unscheduled" in resp.get_data(as_text=True)
    assert reload(draft).schedule == example("example-small.schedule.json")


def test_staff_pinned_on_then_colleague_off_reassigns_patients_and_tasks(client, users, login, draft, post_change):
    login(users["manager"])
    assert post_change(draft, "shift_on", staff="S004", shift="2026-11-23-D").status_code == 302
    assert post_change(draft, "shift_off", staff="S006", shift="2026-11-23-D").status_code == 302
    v = reload(draft)
    worked = {(e["staff"], e["shift"]) for e in v.schedule["shifts"]}
    assert ("S004", "2026-11-23-D") in worked and ("S006", "2026-11-23-D") not in worked
    assert v.pins["shifts_on"] == [["S004", "2026-11-23-D"]] and v.pins["shifts_off"] == [["S006", "2026-11-23-D"]]
    report = check(v.instance, v.schedule)
    assert report.ok and report.cost_terms["preferred_off"] == 20  # S004 prefers 23 Nov day off
    day = {"2026-11-23-D"}
    assert not any("S006" in e["staff"] for e in v.schedule["tasks"]
                   if e["visit"] in ("V005", "V011"))
    assert all(e["staff"] != "S006" for e in v.schedule["primary_nurses"] if e["shift"] in day)


def test_staff_on_a_shift_beyond_their_limit_is_refused_with_h6(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "shift_on", staff="S002", shift="2026-11-23-D")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "H6 max shifts: S002 works 2 shifts &gt; 1" in html
    assert reload(draft).pins == {}


def test_taking_the_only_available_nurse_off_is_refused_with_h7(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "shift_off", staff="S003", shift="2026-11-25-D")
    assert resp.status_code == 422
    assert "H7 primary nurse: V002 has 0 primary nurses in 2026-11-25-D" in resp.get_data(as_text=True)


def test_form_errors_are_shown_beside_the_field(client, users, login, draft, post_change):
    login(users["manager"])
    resp = post_change(draft, "move_stay", visit="V005")
    assert resp.status_code == 422
    assert "Give a new bed, a new start, or both." in resp.get_data(as_text=True)


def test_published_version_cannot_be_adjusted(client, users, login, app, post_change):
    version = make_draft(status=VersionStatus.published, number=1)
    login(users["manager"])
    resp = post_change(version, "move_stay", follow=True, visit="V005", bed="B04")
    assert "published (version 1) and cannot be changed" in resp.get_data(as_text=True)
    v = reload(version)
    assert placement(v, "V005")["bed"] == "B03" and v.pins == {}


def test_a_stale_form_is_refused_when_the_draft_changed_meanwhile(app, users, draft):
    stale = draft_fingerprint(draft)
    apply_change(users["manager"], draft, {"action": "pin_stay", "visit": "V003"})
    db.session.commit()
    from trc_scheduler.errors import Conflict
    with pytest.raises(Conflict):
        apply_change(users["manager"], draft, {"action": "move_stay", "visit": "V005", "bed": "B04", "base": stale})


def test_service_refuses_violations_without_touching_the_version(app, users, draft):
    with pytest.raises(ChangeRejected) as err:
        apply_change(users["manager"], draft, {"action": "move_stay", "visit": "V007", "bed": "B05"})
    assert [m[:2] for m in err.value.violations] == ["H3"]
    assert err.value.status == 422
    assert placement(draft, "V007")["bed"] == "B06" and draft.pins == {}


def test_unpin_drops_the_pin_but_keeps_the_schedule(client, users, login, draft, post_change, csrf):
    login(users["manager"])
    post_change(draft, "move_stay", visit="V005", bed="B04")
    resp = client.post(f"/schedules/versions/{draft.id}/unpin", data={
        "csrf_token": csrf(f"/schedules/versions/{draft.id}"), "unpin-kind": "visit", "unpin-visit": "V005"})
    assert resp.status_code == 302
    v = reload(draft)
    assert v.pins["visits"] == {} and placement(v, "V005")["bed"] == "B04"


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_investigators_and_nurses_may_not_adjust(client, users, login, draft, role, csrf):
    login(users[role])
    resp = client.post(f"/schedules/versions/{draft.id}/adjust/move_stay",
                       data={"csrf_token": csrf("/"), "move_stay-visit": "V005", "move_stay-bed": "B04"})
    assert resp.status_code == 403
    assert placement(reload(draft), "V005")["bed"] == "B03"


def test_anonymous_adjust_goes_to_login(client, draft, csrf):
    resp = client.post(f"/schedules/versions/{draft.id}/adjust/move_stay",
                       data={"csrf_token": csrf("/auth/login"), "move_stay-visit": "V005", "move_stay-bed": "B04"})
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert placement(reload(draft), "V005")["bed"] == "B03"
