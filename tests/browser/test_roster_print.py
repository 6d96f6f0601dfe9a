"""In Chromium: printing a shift roster gives one clean page; an open roster announces a republish."""
import copy
import io

import pytest

from ..test_roster_support import load_example, make_beds, publish, publish_small, small
from .conftest import sign_in

pytestmark = pytest.mark.browser


def _print(page, path):
    """Open a page and print it to PDF (landscape, from the print stylesheet); return its reader."""
    from pypdf import PdfReader

    page.goto(page.base + path)
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def test_shift_roster_prints_on_one_page_with_beds_and_tasks(page, users):
    make_beds(small()[0])
    publish_small()
    sign_in(page, users["nurse"].email, "pw-nurse")
    reader = _print(page, "/roster/2026-11-23-D?now=2026-11-23T09:20:00-05:00")
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "B02" in text and "P003" in text and "PK sample 8 h" in text  # bed map and timeline
    assert "TRC Scheduler" not in text.split("Printed from")[0]  # no navigation bar
    assert "Sign out" not in text and "My schedule" not in text and "Admissions" not in text


def test_busiest_shift_of_a_full_week_still_prints_on_one_page(page, users):
    from trc_scheduler.solver.greedy import greedy

    instance = load_example("example-week.json")
    publish(instance, greedy(instance))
    sign_in(page, users["nurse"].email, "pw-nurse")
    reader = _print(page, "/roster/2026-11-26-D")  # 18 beds in use and 54 tasks in the greedy schedule
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages"
    text = reader.pages[0].extract_text()
    assert "B18" in text and "Pharmacy preparation" in text


def test_open_roster_announces_a_republish_with_what_changed(app, page, users):
    app.config["ROSTER_POLL_SECONDS"] = 1
    instance, schedule = small()
    v1 = publish(instance, schedule)
    sign_in(page, users["nurse"].email, "pw-nurse")
    page.goto(page.base + "/roster/2026-11-25-D")
    assert page.locator("#republished").is_hidden()
    moved = copy.deepcopy(schedule)
    next(v for v in moved["visits"] if v["visit"] == "V007").update(bed="B05")
    publish(instance, moved)
    banner = page.locator("#republished")
    banner.wait_for(state="visible", timeout=10000)
    assert "The schedule was republished (version 2): P007 moved from B06 Wed 07:00 to B05 Wed 07:00" in \
        banner.inner_text()
    page.click("#republished a")
    page.wait_for_load_state()
    assert f"seen={v1.id}" in page.url and "P007 moved" in page.locator("#republished").inner_text()
