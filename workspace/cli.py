"""flask --app workspace COMMAND: what a site administrator runs."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select, text

from .auth import services as auth_services
from .extensions import db
from .models import User
from .services_errors import ServiceError


def register_commands(app: Flask) -> None:
    from .auth import cli as auth_cli

    for command in auth_cli.COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(seed_demo)
    app.cli.add_command(load_frameworks)
    from .reports.cli import export

    app.cli.add_command(export)
    app.cli.add_command(generate_bench_data)
    app.cli.add_command(backup)
    app.cli.add_command(purge)
    from .mail import cli as mail_cli

    app.cli.add_command(mail_cli.send_mail)
    app.cli.add_command(mail_cli.send_reminders)
    app.cli.add_command(mail_cli.send_digest)
    app.cli.add_command(programme_officer)


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--password", default=None, help="Password for every demo sign-in (default: ochil-carron-trio)."
)
@click.option("--reset", is_flag=True, help="Replace existing demo data.")
@click.option("--if-missing", is_flag=True, help="Load the demo only if it is not there; never an error.")
def seed_demo(password: str | None, reset: bool, if_missing: bool) -> None:
    """Load the fictional demo partnership and print its sign-ins."""
    from . import demo

    if if_missing and demo.demo_partnership() is not None:
        click.echo(f"The demo partnership is loaded ({demo.DEMO_PARTNERSHIP}).")
        _print_sign_ins(demo, None)
        return
    try:
        demo.load_demo(password or demo.DEFAULT_PASSWORD, reset=reset)
    except demo.DemoExists as error:
        raise click.ClickException(f"{error} Run again with --reset to replace it.") from error
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Loaded the demo partnership: {demo.DEMO_PARTNERSHIP}.")
    _print_sign_ins(demo, password or demo.DEFAULT_PASSWORD)


def _print_sign_ins(demo, password: str | None) -> None:
    click.echo("Demo sign-ins:")
    for person in demo.sign_ins():
        where = f", {person.school}" if person.school else ""
        click.echo(f"  {person.email:36} {person.role}{where}")
    if password:
        click.echo(f"Password for all of them: {password}")
    else:
        click.echo(f"Password: the one set when the demo was loaded (by default {demo.DEFAULT_PASSWORD}).")


@click.command("load-frameworks")
@click.option("--if-missing", is_flag=True, help="Do nothing if any framework is loaded already.")
@with_appcontext
def load_frameworks(if_missing: bool) -> None:
    """Load HGIOS4, HGIOELC, the STEM framework and the IGBE priorities from workspace/frameworks/data.

    Loading twice changes nothing; a file with a new version is added and the old version kept
    (marked superseded), so links to its wording stay readable.
    """
    from .frameworks import loader

    if if_missing and loader.frameworks_loaded():
        click.echo("Frameworks are loaded.")
        return
    try:
        results = loader.load_all()
    except loader.FrameworkFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for result in results:
        click.echo(f"  {result.key} {result.version}: {result.outcome}")


@click.command("generate-bench-data")
@click.option("--seed", default=2026, show_default=True, help="The same seed gives the same data.")
@with_appcontext
def generate_bench_data(seed: int) -> None:
    """Add the national-scale benchmark data set: 60 partnerships, 2,500 schools, 10,000 members,
    and one large partnership with 100 trios, 600 lessons, 20,000 observations, 5,000 actions,
    20,000 progress updates and 2,000 self-evaluations. Every account's password is
    benchmark-partnership-2026; the large partnership's first lead is p0.m0@bench.example."""
    import time

    from .demo import national
    from .frameworks import loader

    if not loader.frameworks_loaded():
        loader.load_all()
    started = time.perf_counter()
    try:
        counts = national.generate(seed=seed)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    # A database loaded in bulk has no statistics for its query planner yet: PostgreSQL gathers
    # them a minute or so later (autovacuum), SQLite never. Gather them now, as after any bulk
    # load, so what runs next (the benchmark) meets the plans a database in use would have.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    click.echo(f"Generated in {time.perf_counter() - started:.1f} s: {counts}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path: str) -> None:
    """Copy the SQLite database to PATH, consistently, while the workspace keeps serving, and the
    evidence files beside it (PATH's name with "-uploads", a folder).

    Uses SQLite's online backup. For PostgreSQL use pg_dump (see the README). Files kept in an S3
    bucket are not copied: the bucket is backed up by its own means (README, Evidence files).
    """
    import sqlite3
    from pathlib import Path

    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("This database is not SQLite: back it up with pg_dump (see the README).")
    from .evidence import backup as evidence_backup

    target = Path(path)
    uploads = evidence_backup.uploads_beside(target)
    if target.exists() or uploads.exists():
        raise click.ClickException(
            f"{target if target.exists() else uploads} exists already; choose a new file, so that no backup is overwritten."
        )
    # The files first, then the database, then the files uploaded meanwhile: every file a row of
    # the copied database names is in the copy (files are named by their content, never changed).
    copier = evidence_backup.copier(uploads)
    if copier is not None:
        copier()
    source = db.engine.raw_connection()
    try:
        driver = source.driver_connection
        if driver is None:  # only once the pool has invalidated the connection
            raise click.ClickException("The database connection was lost; try again.")
        destination = sqlite3.connect(str(target))
        with destination:
            driver.backup(destination, pages=1024)
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        destination.close()
    finally:
        source.close()
    if result != "ok":
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    click.echo(f"Backed up to {path} (integrity check: ok).")
    if copier is None:
        click.echo("Evidence files are kept in an S3 bucket: back the bucket up by its own means.")
        return
    copied = copier()
    missing = evidence_backup.missing_from(target, uploads)
    if missing:
        raise click.ClickException(
            f"{missing} evidence files the copied database names are not in {uploads}: run the backup again."
        )
    click.echo(f"Evidence files copied to {uploads} ({copied} files).")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be erased, erase nothing.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Erase observations, pupil voice and discussions older than each partnership's retention period
    (with their evidence files), the sign-in throttle's counts whose window has passed, expired SAML
    request and assertion ids, and stored files that no record refers to any more.

    Run it daily (cron or a systemd timer). Partnerships without a retention period keep everything.
    """
    from .activity import services as activity
    from .models import Partnership
    from .privacy import services as privacy

    for partnership in db.session.scalars(select(Partnership).where(Partnership.retention_days.is_not(None))):
        counts = privacy.purge(partnership, dry_run=dry_run)
        what = (
            f"{counts.observations} observations, {counts.pupil_voice} pupil-voice notes and "
            f"{counts.discussions} discussions older than {partnership.retention_days} days"
        )
        click.echo(f"{partnership.name}: {'would erase' if dry_run else 'erased'} {what}")
        if not dry_run and (counts.observations or counts.pupil_voice or counts.discussions):
            activity.record(partnership.id, None, "deleted", "partnership", partnership.id, f"purged {what}")
    window = auth_services.throttle_limits(current_app.config).window
    passed = privacy.purge_sign_in_throttle(window, dry_run=dry_run)
    click.echo(
        f"Sign-in throttle: {'would erase' if dry_run else 'erased'} {passed} counts whose window has passed"
    )
    from .auth.saml import REQUEST_VALID_MINUTES

    stale = privacy.purge_saml_memory(REQUEST_VALID_MINUTES, dry_run=dry_run)
    click.echo(f"SAML: {'would erase' if dry_run else 'erased'} {stale} expired request and assertion ids")
    if not dry_run:
        db.session.commit()  # the purged records' evidence files leave the store with this
    from .evidence import services as evidence_files

    left = evidence_files.sweep(dry_run=dry_run)
    click.echo(
        f"Evidence files: {'would remove' if dry_run else 'removed'} {left} stored files no record refers to"
    )


@click.command("programme-officer")
@click.argument("email")
@click.option(
    "--partnership", "names", multiple=True, help="A partnership to follow (repeat for more); none ends it."
)
@with_appcontext
def programme_officer(email: str, names: tuple[str, ...]) -> None:
    """Make an account a programme officer following exactly these partnerships."""
    from .exchange import programme
    from .models import Partnership

    user = db.session.scalar(select(User).where(User.email == auth_services.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    found = {p.name: p.id for p in db.session.scalars(select(Partnership).where(Partnership.name.in_(names)))}
    missing = [name for name in names if name not in found]
    if missing:
        raise click.ClickException("No partnership called " + ", ".join(repr(m) for m in missing) + ".")
    programme.set_grants(user, list(found.values()), None)
    db.session.commit()
    if names:
        click.echo(
            f"{user.email} follows {len(found)} partnership{'s' if len(found) != 1 else ''}: "
            + ", ".join(sorted(found))
        )
    else:
        click.echo(f"{user.email} follows no partnership now.")
