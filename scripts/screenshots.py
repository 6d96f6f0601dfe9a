"""Render the README screenshots: the demo week solved, published, and shown in Chromium.

Usage: .venv/bin/python scripts/screenshots.py  (writes docs/screenshots/*.png)
"""
import os
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from config import TestConfig
    from trc_scheduler.app import create_app
    from trc_scheduler.extensions import db
    from trc_scheduler.models import ScheduleVersion, User
    from trc_scheduler.services.demo import seed_demo
    from trc_scheduler.services.schedules import publish_version, start_solve
    from trc_scheduler.tasks import enqueue_solve

    folder = tempfile.mkdtemp(prefix="trc-shots-")
    cfg = type("ShotConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite",
                                              "HUEY_SQLITE_PATH": f"{folder}/huey.sqlite"})
    app = create_app(cfg)
    with app.app_context():
        upgrade()
        seed_demo(today=date(2026, 11, 21))
        db.session.commit()
        manager = User.query.filter_by(email="manager@trc.demo").one()
        job = start_solve(manager, "2026-W48", float(os.environ.get("SHOT_SOLVE_SECONDS", "20")))
        db.session.commit()
        enqueue_solve(job.id, app.config)
        db.session.expire_all()
        version = db.session.get(ScheduleVersion, db.session.merge(job).result_version_id)
        publish_version(manager, version)
        db.session.commit()
        version_id = version.id

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu",
                                     "--disable-background-networking", "--disable-component-update"])

        def signed_in(email, password, **ctx):
            page = browser.new_context(**ctx).new_page()
            page.goto(base + "/auth/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            return page

        page = signed_in("manager@trc.demo", "demo-manager-2026", viewport={"width": 1440, "height": 1000})
        page.goto(f"{base}/schedules/versions/{version_id}")
        page.screenshot(path=str(OUT / "week-board.png"), full_page=False)
        staffing = page.locator("section[aria-labelledby=staffing-title]")
        if staffing.count():
            staffing.first.screenshot(path=str(OUT / "staffing-board.png"))
        nurse = signed_in("nurse@trc.demo", "demo-nurse-2026", viewport={"width": 1280, "height": 1000})
        nurse.goto(f"{base}/roster/2026-11-24-D?now=2026-11-24T09:30:00-05:00")
        nurse.screenshot(path=str(OUT / "roster.png"), full_page=False)
        phone = signed_in("nurse@trc.demo", "demo-nurse-2026", viewport={"width": 390, "height": 844})
        phone.goto(f"{base}/roster/2026-11-24-D?now=2026-11-24T09:30:00-05:00")
        phone.screenshot(path=str(OUT / "roster-phone.png"), full_page=False)
        browser.close()
    server.shutdown()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
