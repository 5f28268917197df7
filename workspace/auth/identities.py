"""External identities (Glow through SAML, Microsoft or another provider through OpenID Connect)
and the accounts they sign in to. No request globals: the sign-in views and the CLI call these.

The identity is the key, never the e-mail address: a provider's e-mail can change, and a teacher
who moves authority gets a new Glow account with a new address. So a first single sign-on finds
its account only through what the person holds: an invitation (accepted, and the identity
linked), a session they are already signed in to (linked to it), or, where a deployment allows it
for listed domains, a new account made for an address the provider vouches for. Anyone else is
refused with a page that says how to get an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ExternalIdentity, Invite, SignInAttempt, SignInStep, User
from ..models.base import utcnow
from ..services_errors import ServiceError
from .services import accept_invite, normalise_email

# No password hash matches this: an account made by single sign-on has no password until an
# administrator or the person sets one.
NO_PASSWORD = "!single-sign-on"


@dataclass(frozen=True)
class Profile:
    """What a provider said about the person, checked: who issued it, its stable id for them."""

    provider: str  # the configured name, "glow" or "microsoft"
    label: str  # for people: "Glow", "Microsoft"
    issuer: str
    subject: str
    email: str = ""
    name: str = ""
    # Whether the provider vouches for the address (OIDC's email_verified, or a provider the
    # deployment trusts for it): only then may it make an account for a listed domain.
    email_verified: bool = False


class SignInRefused(Exception):
    """A single sign-on that signs nobody in: `reason` goes into the audit, `message` to the person."""

    def __init__(self, reason: str, message: str, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


NO_ACCOUNT_MESSAGE = (
    "There is no account in the workspace for you yet. Accounts are made by invitation: ask your "
    "partnership lead to invite you, then open the link in the invitation and choose {label} there."
)


@dataclass(frozen=True)
class SignedIn:
    user: User
    how: str  # for the audit: "linked identity", "invitation accepted", ...
    joined_partnership_id: int | None = None


def find_identity(issuer: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    )


def account_for(
    profile: Profile,
    invite: Invite | None = None,
    signed_in: User | None = None,
    new_account_domains: frozenset[str] = frozenset(),
    only_linked: bool = False,
) -> SignedIn:
    """The account this sign-in opens, linking the identity where the person has shown a right to
    one (see the module's note); with `only_linked`, only an identity linked already signs in.
    Raises SignInRefused. The caller commits.

    Two first sign-ins with one identity at once (a double click, two tabs) both find no link and
    both link it: the second's insert breaks the unique (issuer, subject). Its savepoint is rolled
    back and it looks again, finding the first's link, as if it had come a moment later."""
    try:
        with db.session.begin_nested():
            return _account_for(profile, invite, signed_in, new_account_domains, only_linked)
    except IntegrityError:
        if find_identity(profile.issuer, profile.subject) is None:
            raise  # another constraint: not the race this is for
        return _account_for(profile, invite, signed_in, new_account_domains, only_linked)


def _account_for(
    profile: Profile,
    invite: Invite | None,
    signed_in: User | None,
    new_account_domains: frozenset[str],
    only_linked: bool,
) -> SignedIn:
    identity = find_identity(profile.issuer, profile.subject)
    if identity is not None:
        user = identity.user
        if signed_in is not None and signed_in.id != user.id:
            raise SignInRefused(
                "identity linked to another account",
                f"This {profile.label} account is linked to another workspace account. Sign out first, "
                "or ask your site administrator to move the link.",
                409,
            )
        _refuse_if_disabled(user, profile)
        identity.last_used_at = utcnow()
        identity.email_seen = normalise_email(profile.email)[:320]
        joined = _accept(invite, user, profile)
        return SignedIn(user, "linked identity", joined)

    if only_linked:
        raise SignInRefused(
            "unsolicited response for an identity not linked",
            f"This {profile.label} account is not linked to a workspace account yet. Go to the "
            f"workspace's sign-in page and choose Sign in with {profile.label} there (or open the "
            "link in your invitation), rather than the tile on your launch page.",
        )

    if signed_in is not None:
        _refuse_if_disabled(signed_in, profile)
        link_identity(signed_in, profile)
        joined = _accept(invite, signed_in, profile)
        return SignedIn(signed_in, "identity linked to the signed-in account", joined)

    if invite is not None:
        if _account_with(invite.email) is not None:
            raise SignInRefused(
                "invitation for an existing account",
                f"There is already an account for {invite.email}. Sign in with its password and accept "
                f"the invitation, then choose {profile.label} while signed in to link the two.",
                409,
            )
        user = _new_account(invite.email, profile)
        joined = _accept(invite, user, profile)
        return SignedIn(user, "invitation accepted", joined)

    email = normalise_email(profile.email)
    domain = email.rpartition("@")[2]
    if email and profile.email_verified and domain in new_account_domains:
        if _account_with(email) is not None:
            # The address is not the key: an account with it is not taken over by whoever
            # the provider says has it.
            raise SignInRefused(
                "e-mail of an account not linked",
                f"There is an account for {email}, but it is not linked to this {profile.label} "
                f"account. Sign in with its password, then choose {profile.label} while signed in "
                "to link the two, or ask your site administrator.",
                409,
            )
        return SignedIn(_new_account(email, profile), f"new account for {domain}")

    raise SignInRefused("no account", NO_ACCOUNT_MESSAGE.format(label=profile.label))


def _refuse_if_disabled(user: User, profile: Profile) -> None:
    if user.is_disabled:
        raise SignInRefused(
            "account disabled",
            "This account has been disabled. Ask your site administrator if you think that is a mistake.",
        )


def _account_with(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _new_account(email: str, profile: Profile) -> User:
    name = (profile.name or "").strip()[:120] or email.split("@")[0]
    user = User(email=normalise_email(email), name=name, password_hash=NO_PASSWORD)
    db.session.add(user)
    db.session.flush()
    link_identity(user, profile)
    return user


def _accept(invite: Invite | None, user: User, profile: Profile) -> int | None:
    """The invitation accepted for this account. It names an address, and the account's must be
    it, as with a password sign-in. The provider's e-mail does not count: it may be unverified,
    and an invitation for someone else would otherwise join whoever the provider says has it.
    (An account made from an invitation or for a listed domain has the address it was made for.)"""
    if invite is None:
        return None
    if normalise_email(invite.email) != normalise_email(user.email):
        raise SignInRefused(
            "invitation for another address",
            f"This invitation is for {invite.email}, and you signed in as {user.email}. Sign in as "
            f"{invite.email}, or ask your partnership lead to invite the address you use.",
            409,
        )
    accept_invite(invite, user, check_email=False)
    return invite.partnership_id


def link_identity(user: User, profile: Profile) -> ExternalIdentity:
    identity = ExternalIdentity(
        user_id=user.id,
        provider=profile.provider,
        issuer=profile.issuer[:500],
        subject=profile.subject[:255],
        email_seen=normalise_email(profile.email)[:320],
        last_used_at=utcnow(),
    )
    db.session.add(identity)
    db.session.flush()
    return identity


# What a site administrator does (flask commands in cli.py) -----------------------------------


def link_as_administrator(user: User, provider: str, issuer: str, subject: str) -> ExternalIdentity:
    """Links an identity to `user`; an identity linked elsewhere moves to `user` (a teacher whose
    new Glow account should open the account that holds everything they wrote)."""
    identity = find_identity(issuer, subject)
    if identity is None:
        return link_identity(user, Profile(provider, provider, issuer, subject))
    identity.user_id = user.id
    identity.provider = provider
    db.session.flush()
    return identity


def unlink(identity_id: int) -> ExternalIdentity:
    identity = db.session.get(ExternalIdentity, identity_id)
    if identity is None:
        raise ServiceError(f"No linked identity has id {identity_id}.")
    db.session.delete(identity)
    db.session.flush()
    return identity


def record_single_sign_on(email: str, address: str, succeeded: bool, detail: str) -> None:
    """Into the sign-in audit. Not counted by the throttle: nothing here can be guessed."""
    db.session.add(
        SignInAttempt(
            email=normalise_email(email)[:320],
            address=address[:64],
            succeeded=succeeded,
            step=SignInStep.SINGLE_SIGN_ON,
            detail=detail[:200],
        )
    )
