"""The iCalendar feed of my shifts: download, secret subscription link, revocation, DST."""
import hashlib
import re
from datetime import timedelta
from unittest import mock

import icalendar
import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import CalendarToken
from trc_scheduler.models.types import utcnow

from .conftest import csrf_from
from .test_roster_support import link_staff, load_example, publish, publish_small

NOW = "2026-11-22T12:00:00+00:00"


@pytest.fixture
def published(app, users):
    link_staff(users["nurse"], "S001")
    return publish_small()


def _fixed_now():
    from datetime import datetime
    return mock.patch("trc_scheduler.services.calendar.utcnow", return_value=datetime.fromisoformat(NOW))


def _events(body: bytes) -> list:
    cal = icalendar.Calendar.from_ical(body)
    return [c for c in cal.walk("VEVENT")]


def test_my_ics_parses_with_vtimezone_local_times_and_stable_uids(client, login, users, published):
    login(users["nurse"])
    with _fixed_now():
        first = client.get("/roster/me.ics")
        second = client.get("/roster/me.ics")
    assert first.status_code == 200 and first.mimetype == "text/calendar"
    assert "attachment" in first.headers["Content-Disposition"]
    cal = icalendar.Calendar.from_ical(first.data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    events = _events(first.data)
    assert [str(e["UID"]) for e in events] == ["2026-11-23-N-S001@trc-scheduler", "2026-11-25-N-S001@trc-scheduler"]
    assert [str(e["SUMMARY"]) for e in events] == ["Night shift – Translational Research Center"] * 2
    assert b"DTSTART;TZID=America/New_York:20261123T190000" in first.data
    assert b"DTEND;TZID=America/New_York:20261124T070000" in first.data
    assert first.data == second.data  # same UIDs and stamps on every download
    assert [int(e["SEQUENCE"]) for e in events] == [0, 0]


def test_republishing_the_week_raises_the_sequence_so_calendar_apps_update(client, login, users, published):
    from .test_roster_support import small
    login(users["nurse"])
    with _fixed_now():
        before = _events(client.get("/roster/me.ics").data)
    publish(*small())  # the manager publishes the week again (version 2)
    with _fixed_now():
        after = _events(client.get("/roster/me.ics").data)
    assert [str(e["UID"]) for e in after] == [str(e["UID"]) for e in before]
    assert [int(e["SEQUENCE"]) for e in after] == [1, 1]
    assert all(a["DTSTAMP"].dt > b["DTSTAMP"].dt for a, b in zip(after, before))


def test_ics_holds_no_participant_data(client, login, users, published):
    login(users["nurse"])
    with _fixed_now():
        body = client.get("/roster/me.ics").get_data(as_text=True)
    instance = load_example("example-small.json")
    for word in [p["id"] for p in instance["participants"]] + [s["id"] for s in instance["studies"]] + \
            ["Dosing", "PK", "B03", "B04", "V00"]:
        assert word not in body


def test_my_ics_without_staff_link_is_an_empty_calendar(client, login, users, published):
    login(users["manager"])
    resp = client.get("/roster/me.ics")
    assert resp.status_code == 200 and _events(resp.data) == []


def test_my_ics_needs_sign_in(client, published):
    assert client.get("/roster/me.ics").status_code == 302


def _create_link(client) -> str:
    page = client.get("/roster/calendar").get_data(as_text=True)
    resp = client.post("/roster/calendar", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 200
    match = re.search(r'id="feed-url" type="text" readonly value="http://localhost/roster/feed/([^"]+)\.ics"',
                      resp.get_data(as_text=True))
    assert match, "the new link is shown once"
    return match.group(1)


def test_subscription_token_feed_works_then_404_after_revoke(client, login, users, published, app):
    login(users["nurse"])
    token = _create_link(client)
    stored = db.session.scalars(db.select(CalendarToken)).all()
    assert [t.token_hash for t in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert "You have an active calendar link" in client.get("/roster/calendar").get_data(as_text=True)
    assert token not in client.get("/roster/calendar").get_data(as_text=True)  # shown once only

    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/roster/calendar").get_data(as_text=True))})
    with _fixed_now():
        feed = client.get(f"/roster/feed/{token}.ics")
    assert feed.status_code == 200
    assert [str(e["UID"]) for e in _events(feed.data)] == ["2026-11-23-N-S001@trc-scheduler",
                                                          "2026-11-25-N-S001@trc-scheduler"]
    login(users["nurse"])
    page = client.get("/roster/calendar").get_data(as_text=True)
    resp = client.post("/roster/calendar/revoke", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "Your calendar link was revoked." in resp.get_data(as_text=True)
    assert client.get(f"/roster/feed/{token}.ics").status_code == 404
    db.session.expire_all()
    assert db.session.scalars(db.select(CalendarToken)).one().revoked_at is not None


def test_new_link_replaces_the_old_one(client, login, users, published):
    login(users["nurse"])
    old = _create_link(client)
    new = _create_link(client)
    assert client.get(f"/roster/feed/{old}.ics").status_code == 404
    assert client.get(f"/roster/feed/{new}.ics").status_code == 200


def test_unknown_token_is_404(client, published):
    assert client.get("/roster/feed/not-a-real-token.ics").status_code == 404


def test_creating_a_link_needs_csrf(client, login, users, published):
    login(users["nurse"])
    assert client.post("/roster/calendar", data={}).status_code == 400
    assert db.session.scalars(db.select(CalendarToken)).all() == []


def test_dst_night_event_is_eleven_hours(client, login, users, app):
    link_staff(users["nurse"], "S001")
    instance = load_example("example-dst-week.json")
    schedule = {"format": "trc-schedule/1", "instance": instance["id"], "status": "FEASIBLE", "visits": [],
                "unscheduled": [], "shifts": [{"staff": "S001", "shift": "2026-03-07-N"}],
                "primary_nurses": [], "tasks": []}
    publish(instance, schedule, week="2026-W10")
    login(users["nurse"])
    with mock.patch("trc_scheduler.services.calendar.utcnow", return_value=utcnow().replace(2026, 3, 1)):
        body = client.get("/roster/me.ics").data
    (event,) = _events(body)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.hour, end.hour) == (19, 7)  # local clock on both sides of the change
    assert end.timestamp() - start.timestamp() == timedelta(hours=11).total_seconds()  # real length
    assert b"DTEND;TZID=America/New_York:20260308T070000" in body
