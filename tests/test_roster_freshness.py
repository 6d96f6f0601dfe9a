"""Freshness: the roster knows its published version and says what a republish changed for its shift."""
import copy

import pytest

from .test_roster_support import make_studies, publish, small


@pytest.fixture
def two_versions(app, users):
    instance, schedule = small()
    make_studies(instance, users["investigator"], {"MAD": [users["investigator2"]]})
    v1 = publish(instance, schedule)
    new = copy.deepcopy(schedule)
    for v in new["visits"]:
        if v["visit"] == "V007":
            v.update(start="2026-11-25T09:00:00-05:00", bed="B05")
    new["shifts"].append({"staff": "S008", "shift": "2026-11-25-D"})
    for p in new["primary_nurses"]:
        if (p["visit"], p["shift"]) == ("V010", "2026-11-25-D"):
            p["staff"] = "S007"
    v2 = publish(instance, new)
    return v1, v2


def test_reload_with_seen_old_version_shows_what_changed_for_this_shift(client, login, users, two_versions):
    v1, v2 = two_versions
    login(users["nurse"])
    html = client.get(f"/roster/2026-11-25-D?seen={v1.id}").get_data(as_text=True)
    assert "The schedule was republished (version 2):" in html
    assert "P007 moved from B06 Wed 07:00 to B05 Wed 09:00" in html
    assert "Nurse 8 added to shift 2026-11-25-D" in html
    assert "primary nurse of P010 in 2026-11-25-D: Nurse 9 → Nurse 7" in html
    assert f'data-version-id="{v2.id}"' in html


def test_banner_only_lists_changes_of_the_shown_shift(client, login, users, two_versions):
    v1, _ = two_versions
    login(users["nurse"])
    html = client.get(f"/roster/2026-11-23-D?seen={v1.id}").get_data(as_text=True)
    assert "republished (version 2): nothing changed for this shift" in html
    assert "P007" not in html


def test_no_banner_when_the_seen_version_is_current_or_unknown(client, login, users, two_versions):
    _, v2 = two_versions
    login(users["nurse"])
    for seen in (v2.id, 9999, "x"):
        html = client.get(f"/roster/2026-11-25-D?seen={seen}").get_data(as_text=True)
        assert 'id="republished" class="alert alert-warning d-print-none" role="status" hidden>' in html
        assert "was republished" not in html


def test_banner_hides_participants_of_other_studies_from_investigators(client, login, users, two_versions):
    v1, _ = two_versions
    login(users["investigator2"])  # MAD only: P007 is CROSSOVER, P010 is MAD
    html = client.get(f"/roster/2026-11-25-D?seen={v1.id}").get_data(as_text=True)
    assert "a participant moved from B06" in html and "P007" not in html
    assert "primary nurse of P010" in html


def test_version_endpoint_reports_the_published_version_and_changes(client, login, users, two_versions):
    v1, v2 = two_versions
    login(users["nurse"])
    body = client.get("/roster/version?week=2026-W48").get_json()
    assert body["version_id"] == v2.id and body["number"] == 2 and body["changes"] == []
    body = client.get(f"/roster/version?week=2026-W48&shift=2026-11-25-D&since={v1.id}").get_json()
    assert "P007 moved from B06 Wed 07:00 to B05 Wed 09:00" in body["changes"]
    assert client.get("/roster/version?week=2026-W01").get_json()["version_id"] is None  # nothing published


def test_version_endpoint_needs_sign_in(client, two_versions):
    assert client.get("/roster/version?week=2026-W48").status_code == 302
