"""A nurse, in a real browser and on a phone-sized screen: the roster of the shift in progress,
the next shift, my schedule, the .ics download and the roster printed to PDF."""
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from trc_scheduler.extensions import db
from trc_scheduler.models import ScheduleVersion, User
from trc_scheduler.services.demo import seed_demo
from trc_scheduler.services.schedules import publish_version, start_solve
from trc_scheduler.tasks import enqueue_solve

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TZ = ZoneInfo("America/New_York")


@pytest.fixture
def published_current_week(app):
    """Seed the demo unit around today and publish the week in progress now."""
    today = datetime.now(TZ).date()
    seed_demo(today=today)
    db.session.commit()
    manager = User.query.filter_by(email="manager@trc.demo").one()
    year, week, _ = datetime.now(TZ).isocalendar()
    job = start_solve(manager, f"{year}-W{week:02d}", 5)
    db.session.commit()
    enqueue_solve(job.id, app.config)
    db.session.expire_all()
    version = db.session.get(ScheduleVersion, db.session.merge(job).result_version_id)
    publish_version(manager, version)
    db.session.commit()
    return version


def test_nurse_roster_next_shift_my_schedule_ics_and_pdf(browser, live_server, published_current_week):
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server
    try:
        sign_in(page, "nurse@trc.demo", "demo-nurse-2026")
        page.goto(page.base + "/roster/")
        html = page.content()
        assert "B01" in html and "Task" in html
        # The page fits a phone: nothing wider than the viewport.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

        page.click("a[rel=next]")
        page.wait_for_load_state()
        assert "/roster/" in page.url and page.url != page.base + "/roster/"

        page.click("text=My schedule")
        page.wait_for_load_state()
        assert "My schedule" in page.content()

        with page.expect_download() as info:
            page.click("text=Download calendar (.ics)")
        cal = Calendar.from_ical(Path(info.value.path()).read_bytes())
        assert cal.walk("VTIMEZONE"), "the feed names its time zone"
        events = cal.walk("VEVENT")
        assert all("@trc-scheduler" in str(e["UID"]) for e in events)

        page.goto(page.base + "/roster/")
        pdf = page.pdf(format="Letter", landscape=True, print_background=True)
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert "B01" in text
        assert "Sign out" not in text
    finally:
        context.close()


def test_the_busiest_shift_of_the_week_still_prints_on_one_page(browser, live_server, published_current_week):
    from trc_scheduler.services.roster import published_weeks, shift_roster

    nurse = User.query.filter_by(email="nurse@trc.demo").one()
    now = datetime.now(TZ)
    rosters = [shift_roster(nurse, pw, shift, now) for pw in published_weeks() for shift in pw.shifts if pw.owns(shift)]
    busiest = max(rosters, key=lambda r: (len(r["tasks"]), len(r["stays"])))
    assert len(busiest["tasks"]) > 21 and busiest["print"]["level"] >= 1  # the packed layout is what is tested
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server
    try:
        sign_in(page, "nurse@trc.demo", "demo-nurse-2026")
        page.goto(f"{page.base}/roster/{busiest['shift'].id}")
        for paper in ("Letter", "A4"):
            reader = PdfReader(io.BytesIO(page.pdf(format=paper, landscape=True, print_background=True)))
            assert len(reader.pages) == 1, f"{paper}: {len(busiest['tasks'])} tasks, {len(busiest['stays'])} stays"
            text = reader.pages[0].extract_text()
            assert all(bed["id"] in text for room in busiest["rooms"] for bed in room["beds"])
            assert all(task["label"].split()[0] in text for task in busiest["tasks"])
    finally:
        context.close()
