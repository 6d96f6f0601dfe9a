"""TRC Scheduler: the scheduling system of an 18-bed clinical-research unit.

Importing this package must stay cheap and must not import Flask, so that the
pure solver (``trc_scheduler.solver``) can be used alone. The web app lives in
``trc_scheduler.app`` (``create_app``).
"""
