"""flask --app workspace COMMAND, for accounts: site administrators, disabling and enabling an
account, the two-step keys, and single sign-on identities and metadata."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..services_errors import ServiceError
from . import services as auth_services


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt="E-mail address")
@click.option("--name", prompt="Name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for (and not echoed) when not given.",
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create a site administrator, who can create partnerships and invite their first leads.

    An existing account with that e-mail address is made an administrator (its password is kept).
    """
    existing = db.session.scalar(select(User).where(User.email == auth_services.normalise_email(email)))
    if existing is not None:
        existing.is_admin = True
        db.session.commit()
        click.echo(f"{existing.email} is now a site administrator.")
        return
    try:
        user = auth_services.create_user(email, name, password, is_admin=True)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created site administrator {user.email}. Sign in at /sign-in.")


@click.command("disable-account")
@click.argument("email")
@with_appcontext
def disable_account(email: str) -> None:
    """Disable an account: it cannot sign in, and every session it has ends at once."""
    user = db.session.scalar(select(User).where(User.email == auth_services.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    user.is_disabled = True
    user.end_all_sessions()
    db.session.commit()
    click.echo(f"{user.email} is disabled; its sessions have ended.")


@click.command("enable-account")
@click.argument("email")
@with_appcontext
def enable_account(email: str) -> None:
    """Let a disabled account sign in again."""
    user = db.session.scalar(select(User).where(User.email == auth_services.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    user.is_disabled = False
    db.session.commit()
    click.echo(f"{user.email} can sign in again.")


@click.command("rotate-two-step-keys")
@with_appcontext
def rotate_two_step_keys() -> None:
    """Seal every two-step secret again with the first of TWO_STEP_SECRET_KEYS.

    Run it after putting a new key first in the setting; once it has finished without error, the
    old keys can be removed. Secrets no key opens are left as they are and listed (exit status 1).
    """
    from .two_step_services import reseal_all

    report = reseal_all()
    db.session.commit()
    click.echo(
        f"Sealed {report.resealed} two-step secret{'s' if report.resealed != 1 else ''} with the newest key."
    )
    if report.unreadable_accounts:
        ids = ", ".join(str(i) for i in report.unreadable_accounts)
        raise click.ClickException(
            f"No key in TWO_STEP_SECRET_KEYS opens the two-step secret of account id {ids}: put the old key "
            "back, or turn their two-step sign-in off and have them set it up again."
        )


def _account(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == auth_services.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


@click.command("identities")
@click.argument("email")
@with_appcontext
def identities_command(email: str) -> None:
    """List the Glow and Microsoft identities that sign in to an account."""
    user = _account(email)
    if not user.external_identities:
        click.echo(f"{user.email} has no linked identities.")
    for identity in user.external_identities:
        click.echo(
            f"{identity.id}\t{identity.provider}\t{identity.issuer}\t{identity.subject}\t"
            f"last e-mail {identity.email_seen or '-'}"
        )


@click.command("link-identity")
@click.argument("email")
@click.argument("provider")
@click.argument("issuer")
@click.argument("subject")
@with_appcontext
def link_identity(email: str, provider: str, issuer: str, subject: str) -> None:
    """Link an identity (the provider's issuer and its id for the person) to the account of EMAIL.

    An identity linked to another account moves: a teacher who moved authority signs in with their
    new Glow account to the account that holds everything they wrote. The sign-in audit and
    `flask identities` show an identity's issuer and subject.
    """
    from . import identities

    user = _account(email)
    identity = identities.link_as_administrator(user, provider, issuer, subject)
    db.session.commit()
    click.echo(f"{provider} identity {subject} now signs in to {user.email} (id {identity.id}).")


@click.command("unlink-identity")
@click.argument("identity_id", type=int)
@with_appcontext
def unlink_identity(identity_id: int) -> None:
    """Unlink an identity (its id from `flask identities`): it signs in to nothing any more."""
    from . import identities

    try:
        identity = identities.unlink(identity_id)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Unlinked {identity.provider} identity {identity.subject}.")


@click.command("refresh-saml-metadata")
@with_appcontext
def refresh_saml_metadata() -> None:
    """Fetch each SAML identity provider's metadata (its signing certificates) and replace the copy
    kept, if it checks out. Run it daily from cron: a provider renewing its certificate publishes
    the new one beside the old for a while, and both are accepted meanwhile."""
    from .saml_config import refresh_metadata, saml_providers

    failed = False
    for provider in saml_providers(current_app.config):
        try:
            with current_app.test_request_context():  # the service provider's own URLs
                click.echo(refresh_metadata(provider))
        except Exception as error:
            failed = True
            click.echo(
                f"{provider.name}: metadata not refreshed, the copy kept is unchanged: {error}", err=True
            )
    if failed:
        raise click.exceptions.Exit(1)


COMMANDS = (
    create_admin,
    disable_account,
    enable_account,
    rotate_two_step_keys,
    identities_command,
    link_identity,
    unlink_identity,
    refresh_saml_metadata,
)
