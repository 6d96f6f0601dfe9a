"""My schedule: the signed-in nurse's shifts of the next 14 days, with their patients and tasks."""
import re

import pytest

from .test_roster_support import link_staff, make_studies, publish_small, small


@pytest.fixture
def published(app, users):
    make_studies(small()[0], users["investigator"])
    return publish_small()


def test_nurse_sees_own_shifts_patients_and_tasks(client, login, users, published):
    link_staff(users["nurse"], "S010")
    login(users["nurse"])
    html = client.get("/roster/me?now=2026-11-22T12:00:00-05:00").get_data(as_text=True)
    shifts = re.findall(r'id="shift-([^"]+)"', html)
    assert shifts == ["2026-11-23-N", "2026-11-24-N"]  # S010 works both nights
    night = html.split('id="shift-2026-11-23-N"')[1].split('id="shift-2026-11-24-N"')[0]
    assert "B05 · P001 MAD" in night and "B02 · P003 CROSSOVER" in night
    assert "20:00</time> · B04 · P008 · Dosing" in night and "02:00</time> · B04 · P008 · PK sample 6 h" in night
    assert "P004" not in night  # Nurse 1 has that child


def test_shifts_already_over_or_beyond_14_days_are_left_out(client, login, users, published):
    link_staff(users["nurse"], "S010")
    login(users["nurse"])
    html = client.get("/roster/me?now=2026-11-24T08:00:00-05:00").get_data(as_text=True)
    assert re.findall(r'id="shift-([^"]+)"', html) == ["2026-11-24-N"]
    html = client.get("/roster/me?now=2026-11-01T08:00:00-05:00").get_data(as_text=True)
    assert "no published shifts in the next 14 days" in html


def test_user_without_staff_link_gets_a_clear_message(client, login, users, published):
    login(users["investigator"])
    resp = client.get("/roster/me")
    assert resp.status_code == 200
    assert "not linked to a staff member" in resp.get_data(as_text=True)
