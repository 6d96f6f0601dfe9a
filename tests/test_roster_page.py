"""The daily roster of a shift: beds, nurses, loads, tasks and who may see which participant."""
import re
from datetime import datetime, timezone

import pytest

from trc_scheduler.audit import set_actor
from trc_scheduler.extensions import db
from trc_scheduler.models import BedClosure, ClosureReason

from .test_roster_support import make_beds, make_studies, publish_small, small


@pytest.fixture
def published(app, users):
    instance, _ = small()
    beds = make_beds(instance)
    studies = make_studies(instance, users["investigator"], {"MAD": [users["investigator2"]]})
    version = publish_small()
    return {"version": version, "beds": beds, "studies": studies}


def _page(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _bed(html, code):
    """Return the HTML of one bed of the bed map."""
    match = re.search(rf'<li class="[^"]*bed[^"]*" id="bed-{code}">(.*?)</li>', html, re.S)
    assert match, f"bed {code} not on the page"
    return match.group(1)


def test_roster_requires_sign_in(client, published):
    resp = client.get("/roster/2026-11-23-D")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_day_shift_shows_beds_participants_primary_nurse_and_ratio(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D?now=2026-11-23T09:30:00-05:00")
    assert "Day shift · Mon 23 Nov 2026" in html and "07:00–19:00" in html and "(12 h)" in html
    b02 = _bed(html, "B02")
    assert "P003" in b02 and "CROSSOVER" in b02 and "Crossover period 1" in b02
    assert "Nurse 8" in b02 and "1:4" in b02 and "M · adult" in b02
    assert "day 1 of 2, dosed 08:00" in b02
    b03 = _bed(html, "B03")
    assert "P005" in b03 and "1:2" in b03 and "needs pediatric" in b03 and "dose due 09:00" not in b03
    assert "day 1 of 1, dosed 09:00" in b03
    b05 = _bed(html, "B05")  # the MAD stay began Friday 02:00: its fourth 24-hour day
    assert "P001" in b05 and "day 4 of 6" in b05
    assert "empty" in _bed(html, "B06") and "empty" in _bed(html, "B04")
    assert "Outpatient (no bed)" in html and "P011" in html


def test_isolation_stay_is_flagged(client, login, users, published):
    login(users["nurse"])
    b01 = _bed(_page(client, "/roster/2026-11-24-D"), "B01")
    assert "P002" in b01 and "isolation</span>" in b01 and "1:1" in b01 and "Nurse 3" in b01


def test_nurse_totals_and_charge_nurse(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D")
    loads = dict(re.findall(r"<tr class=\"[^\"]*\"><td>([^<]+?)(?: <span[^>]*>charge</span>)?</td>.*?"
                            r"<td class=\"[^\"]*nurse-load\">(\d+) %</td>", html, re.S))
    assert loads == {"Nurse 6": "25", "Nurse 8": "100"}  # V001 25 + V003 25 + V005 50; V011 25
    assert "charge: Nurse 6" in html  # Nurse 8 has no charge skill
    assert re.search(r"<dt[^>]*>MD</dt><dd[^>]*>MD 1</dd>", html)
    assert re.search(r"<dt[^>]*>pharmacist</dt><dd[^>]*>pharmacist 1</dd>", html)


def test_no_charge_nurse_says_dash(client, login, users, app):
    instance, schedule = small()
    schedule["shifts"] = [s for s in schedule["shifts"] if s["shift"] != "2026-11-23-D" or s["staff"] == "S008"]
    from .test_roster_support import publish
    publish(instance, schedule)
    login(users["nurse"])
    assert "charge: —" in _page(client, "/roster/2026-11-23-D")


def test_task_timeline_in_time_order_with_local_times_and_next_hour_highlight(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D?now=2026-11-23T09:20:00-05:00")
    rows = re.findall(r'<tr class="task( task-soon[^"]*)?">\s*<td data-label="Time"><span><time datetime="[^"]+">'
                      r'(\d\d:\d\d)</time>.*?<td data-label="Bed">([^<]+)</td>\s*'
                      r'<td data-label="Participant"><span>(\S+) .*?<td data-label="Task">([^<]+)</td>\s*'
                      r'<td data-label="By">([^<]+)</td>', html, re.S)
    times = [r[1] for r in rows]
    assert times == sorted(times) and times[0] == "08:00" and times[-1] == "16:00"
    assert ("", "08:00", "B02", "P003", "Dosing", "Nurse 6") in rows
    assert (" task-soon table-warning", "09:30", "outpatient", "P011", "12-lead ECG", "Nurse 6") in rows
    soon = {(r[1], r[3], r[4]) for r in rows if r[0]}
    assert soon == {("09:30", "P005", "PK sample 0.5 h"), ("09:30", "P011", "12-lead ECG"),
                    ("10:00", "P003", "PK sample 2 h"), ("10:00", "P005", "PK sample 1 h")}


def test_night_shift_shows_tasks_after_midnight_in_local_time(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-N")
    assert "19:00–07:00" in html and "(12 h)" in html
    assert '<time datetime="2026-11-24T02:00:00-05:00">02:00</time>' in html  # V004/V008 PK 6 h


def test_admissions_and_discharges_of_the_shift(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D")
    section = html.split('id="moves-h"')[1].split("</ul>")[0]
    assert "in</span> Mon 23 Nov 07:00 · B02 · P003" in section
    assert "in</span> Mon 23 Nov 08:00 · B03 · P005" in section
    assert "out</span> Mon 23 Nov 18:00 · B03 · P005" in section
    assert "out</span> Mon 23 Nov 12:00 · outpatient · P011" in section
    assert "P001" not in section  # in the middle of its stay


def test_closed_bed_is_shown(client, login, users, published):
    set_actor(db.session, None, "tests")
    db.session.add(BedClosure(bed=published["beds"]["B06"], reason=ClosureReason.maintenance,
                              start=datetime(2026, 11, 23, 15, tzinfo=timezone.utc), end=None))
    db.session.commit()
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D")
    assert "closed: maintenance" in _bed(html, "B06") and 'bed-closed" id="bed-B06"' in html
    assert "closed" not in _bed(html, "B05")


def test_today_is_the_shift_in_progress_in_the_unit_zone(client, login, users, published):
    login(users["manager"])
    html = _page(client, "/roster/?now=2026-11-24T06:30:00-05:00")
    assert "Night shift · Mon 23 Nov 2026" in html
    html = _page(client, "/roster/?now=2026-11-24T12:30:00")  # no offset: local clock
    assert "Day shift · Tue 24 Nov 2026" in html


def test_today_without_a_published_shift_says_so(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/?now=2026-11-20T10:00:00-05:00")
    assert "No published shift is in progress" in html and "/roster/2026-11-23-D" in html


def test_prev_and_next_shift_links(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-24-D")
    assert 'rel="prev" href="/roster/2026-11-23-N"' in html and 'rel="next" href="/roster/2026-11-24-N"' in html
    first = _page(client, "/roster/2026-11-23-D")
    assert 'rel="prev"' not in first


def test_unknown_shift_is_404(client, login, users, published):
    login(users["nurse"])
    assert client.get("/roster/2026-12-01-D").status_code == 404
    assert client.get("/roster/not-a-shift").status_code == 404


def test_planned_shift_without_published_schedule_says_so(client, login, users, unit):
    login(users["nurse"])
    resp = client.get(f"/roster/{unit['shifts'][0].code}")
    assert resp.status_code == 200
    assert "No schedule covering this shift has been published yet" in resp.get_data(as_text=True)


def test_investigator_sees_only_own_studies_participants(client, login, users, published):
    login(users["investigator2"])  # team member of MAD only
    html = _page(client, "/roster/2026-11-23-D")
    assert "P001" in _bed(html, "B05")
    for code in ("P003", "P005", "P011", "CROSSOVER", "PED-PK", "Crossover period 1", "12-lead ECG"):
        assert code not in html
    assert "occupied" in _bed(html, "B02") and "Nurse 8" in _bed(html, "B02")
    assert "task(s) of other studies not shown" in html


def test_investigator_pi_of_all_studies_sees_everything(client, login, users, published):
    login(users["investigator"])  # PI of every study
    html = _page(client, "/roster/2026-11-23-D")
    assert all(code in html for code in ("P001", "P003", "P005", "P011"))


def test_nurse_sees_every_participant(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D")
    assert all(code in html for code in ("P001", "P003", "P005", "P011")) and ">occupied<" not in html


def test_roster_page_has_no_inline_script_and_carries_the_version(client, login, users, published):
    login(users["nurse"])
    html = _page(client, "/roster/2026-11-23-D")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert f'data-version-id="{published["version"].id}"' in html and "js/roster.js" in html


@pytest.mark.parametrize("cards, stays, tasks, cols, level", [
    (5, 4, 6, 6, 0),      # a quiet shift: the usual six columns
    (13, 18, 21, 7, 0),   # 12 rooms and the outpatients: two rows of seven
    (13, 19, 10, 7, 1),   # more stays than beds: tighter
    (13, 12, 22, 7, 1),   # many tasks: four task columns
    (13, 25, 47, 7, 2),   # a busy day shift of a full unit: tightest
    (30, 5, 5, 9, 0),     # never more than nine columns
])
def test_print_layout_packs_a_busy_shift_tighter(cards, stays, tasks, cols, level):
    from trc_scheduler.services.roster import print_layout

    assert print_layout(cards, stays, tasks) == {"cols": cols, "level": level}


def test_roster_page_carries_its_print_layout(client, login, users, published):
    login(users["nurse"])
    html = client.get("/roster/2026-11-23-D").get_data(as_text=True)
    assert re.search(r'class="roster print-0" style="--print-cols: 6"', html)
