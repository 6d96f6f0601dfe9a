"""Daylight-saving nights: local clock times on both sides of the change and the real shift length."""
import re

from .test_roster_support import load_example, publish, small


def _dst_schedule(instance):
    """Place the pediatric day stay V030 on the spring-forward night, nursed and sampled by S001."""
    peds = next(b["id"] for b in instance["beds"] if "pediatric" in b["features"])
    tasks = [{"visit": "V030", "task": t["id"], "staff": ["S001"]}
             for t in next(v for v in instance["visits"] if v["id"] == "V030")["tasks"]]
    return peds, {"format": "trc-schedule/1", "instance": instance["id"], "status": "FEASIBLE",
                  "visits": [{"visit": "V030", "start": "2026-03-07T19:00:00-05:00", "bed": peds}],
                  "unscheduled": [], "shifts": [{"staff": "S001", "shift": "2026-03-07-N"}],
                  "primary_nurses": [{"visit": "V030", "shift": "2026-03-07-N", "staff": "S001"}],
                  "tasks": tasks}


def test_spring_night_is_eleven_hours_with_local_times_after_the_jump(client, login, users):
    instance = load_example("example-dst-week.json")
    night = next(s for s in instance["shifts"]
                 if s["start"] < "2026-03-08T02:00" < s["end"] and s["id"].endswith("-N"))
    assert night["id"] == "2026-03-07-N"
    bed, schedule = _dst_schedule(instance)
    publish(instance, schedule, week="2026-W10")
    login(users["nurse"])
    html = client.get("/roster/2026-03-07-N").get_data(as_text=True)
    assert "Night shift · Sat 07 Mar 2026" in html and "19:00–07:00" in html and "(11 h)" in html
    times = re.findall(r'<time datetime="([^"]+)">(\d\d:\d\d)</time>', html)
    # dose 20:00 … PK 6 h is 420 real minutes after 19:00 EST: 03:00 EDT (02:00 never happens)
    assert [t for _, t in times] == ["20:00", "20:30", "21:00", "22:00", "00:00", "03:00"]
    assert times[-1][0] == "2026-03-08T03:00:00-04:00"
    assert "P033" in html and bed in html
    assert "out</span> Sun 08 Mar 06:00" in html  # 600 min after 19:00 EST


def test_autumn_night_is_thirteen_hours(client, login, users):
    instance, schedule = small()
    instance["horizon"] = {"start": "2026-10-26T07:00:00-04:00", "end": "2026-11-02T07:00:00-05:00"}
    instance["shifts"] = [{"id": "2026-10-31-N", "start": "2026-10-31T19:00:00-04:00",
                           "end": "2026-11-01T07:00:00-05:00", "min_staff": {"RN": 1}}]
    schedule.update(visits=[], primary_nurses=[], tasks=[], shifts=[{"staff": "S001", "shift": "2026-10-31-N"}])
    publish(instance, schedule, week="2026-W44")
    login(users["nurse"])
    html = client.get("/roster/?now=2026-11-01T01:30:00-05:00").get_data(as_text=True)  # the second 01:30
    assert "Night shift · Sat 31 Oct 2026" in html and "19:00–07:00" in html and "(13 h)" in html
