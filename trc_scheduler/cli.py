"""Command-line commands: `flask seed-demo`, `flask schedule export`."""
import json
import sys

import click
from flask.cli import AppGroup

from .audit import set_actor
from .errors import DomainError
from .extensions import db

schedule_cli = AppGroup("schedule", help="Export and solve weeks of the unit.")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even if the unit already has data.")
def seed_demo_command(force: bool) -> None:
    """Create the synthetic demo unit and print the demo sign-ins."""
    from .services.demo import seed_demo

    set_actor(db.session, None, "cli:seed-demo")
    try:
        logins = seed_demo(force=force)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message)
    db.session.commit()
    if logins is None:
        click.echo("The unit already has data; nothing seeded (use --force to add the demo anyway).")
        return
    click.echo("Demo unit created. Sign in with:")
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<28} {password}")


@schedule_cli.command("export")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W48.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
def export_command(week: str, output: str | None) -> None:
    """Write a week's approved visits, stays in progress, beds, shifts and staff as trc-instance/1 JSON."""
    from .services.scheduling import export_week

    try:
        instance = export_week(week)
    except DomainError as err:
        raise click.ClickException(err.message)
    text = json.dumps(instance, indent=2)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        click.echo(f"Wrote {output}: {len(instance['visits'])} visits, {len(instance['beds'])} beds, "
                   f"{len(instance['shifts'])} shifts, {len(instance['staff'])} staff.", err=True)
    else:
        sys.stdout.write(text + "\n")


def register_cli(app) -> None:
    """Attach the project's commands to the app."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(schedule_cli)
