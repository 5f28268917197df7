"""External identities and the accounts they open (auth/identities.py): the identity is the key,
never the e-mail address; an invitation, a signed-in session or a listed domain is what links a
first sign-in; a site administrator links, unlinks and moves identities."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, html
from workspace.auth import identities
from workspace.auth.identities import Profile, SignInRefused
from workspace.extensions import db
from workspace.models import ExternalIdentity, Invite, Membership, Observation, User

GLOW = "https://sts.platform.rmunify.com/"


def glow(subject: str, email: str = "", verified: bool = True) -> Profile:
    return Profile("glow", "Glow", GLOW, subject, email, "Morag Campbell", verified)


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_an_invitation_makes_an_account_without_a_password_and_links_the_identity(ctx, world):
    invite = db.session.get(Invite, world["a"]["invite_id"])
    signed_in = identities.account_for(glow("glow-1", "whatever@glow.sch.uk"), invite=invite)
    assert signed_in.how == "invitation accepted" and signed_in.user.email == invite.email
    assert signed_in.joined_partnership_id == world["a"]["partnership_id"]
    assert signed_in.user.password_hash == identities.NO_PASSWORD
    assert invite.accepted_by_id == signed_in.user.id
    # The identity, not the address, finds the account next time.
    again = identities.account_for(glow("glow-1", "a-new-address@glow.sch.uk"))
    assert again.user.id == signed_in.user.id and again.how == "linked identity"


def test_an_invitation_for_an_address_that_has_an_account_does_not_link_a_stranger_to_it(ctx, world):
    invite = db.session.get(Invite, world["a"]["invite_id"])
    invite.email = world["a"]["teacher"]
    with pytest.raises(SignInRefused) as refused:
        identities.account_for(glow("glow-2"), invite=invite)
    assert refused.value.reason == "invitation for an existing account"
    assert identities.find_identity(GLOW, "glow-2") is None


def test_no_account_is_made_unless_the_domain_is_listed_and_the_address_vouched_for(ctx, world):
    domains = frozenset({"angusschools.org.uk"})
    for profile in (glow("g3", "new@falkirk.org.uk"), glow("g3", "new@angusschools.org.uk", verified=False)):
        with pytest.raises(SignInRefused) as refused:
            identities.account_for(profile, new_account_domains=domains)
        assert refused.value.reason == "no account"
    made = identities.account_for(glow("g3", "New@AngusSchools.org.uk"), new_account_domains=domains)
    assert made.user.email == "new@angusschools.org.uk" and made.user.memberships == []


def test_an_address_the_provider_gives_never_takes_over_an_account(ctx, world):
    email = world["a"]["teacher"]
    with pytest.raises(SignInRefused) as refused:
        identities.account_for(glow("g4", email), new_account_domains=frozenset({"example.org"}))
    assert refused.value.reason == "e-mail of an account not linked"
    assert user(email).external_identities == []


def test_a_disabled_account_is_refused_and_an_identity_of_another_account_is_not_linked(ctx, world):
    teacher, lead = user(world["a"]["teacher"]), user(world["a"]["lead"])
    identities.link_identity(teacher, glow("g5"))
    with pytest.raises(SignInRefused) as refused:
        identities.account_for(glow("g5"), signed_in=lead)
    assert refused.value.reason == "identity linked to another account"
    teacher.is_disabled = True
    with pytest.raises(SignInRefused) as refused:
        identities.account_for(glow("g5"))
    assert refused.value.reason == "account disabled"


def test_a_linked_identity_accepts_only_invitations_for_its_accounts_address(ctx, world):
    teacher = user(world["a"]["teacher"])
    identities.link_identity(teacher, glow("g6", "t@glow.sch.uk"))
    invite = db.session.get(Invite, world["b"]["invite_id"])
    # The provider's address, unverified or not, is not the account's: an invitation for it (for
    # someone else) is not accepted by this account, signed in through the identity or a session.
    invite.email = "t@glow.sch.uk"
    for profile in (glow("g6", "t@glow.sch.uk", verified=False), glow("g6", "t@glow.sch.uk")):
        with pytest.raises(SignInRefused) as refused:
            identities.account_for(profile, invite=invite)
        assert refused.value.reason == "invitation for another address"
    with pytest.raises(SignInRefused) as refused:
        identities.account_for(glow("g6b", "t@glow.sch.uk", verified=False), invite=invite, signed_in=teacher)
    assert refused.value.reason == "invitation for another address"
    invite.email = teacher.email.upper()  # the account's own address, in any case
    joined = identities.account_for(glow("g6", "t@glow.sch.uk"), invite=invite)
    assert joined.joined_partnership_id == world["b"]["partnership_id"]
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == teacher.id, Membership.partnership_id == invite.partnership_id
        )
    )


def test_relinking_a_new_glow_account_keeps_what_the_teacher_wrote(app, world):
    """A teacher moves authority: Glow gives them a new account. Its first sign-in is refused (no
    invitation); the administrator moves the link to their account; they sign in to everything
    they wrote, and the old identity signs in to nothing."""
    runner = app.test_cli_runner()
    email = world["a"]["teacher"]
    with app.app_context():
        identities.link_identity(user(email), glow("old-angus-id"))
        db.session.commit()
        with pytest.raises(SignInRefused):
            identities.account_for(glow("new-falkirk-id", "m.campbell@falkirkschools.org.uk"))
    result = runner.invoke(args=["link-identity", email, "glow", GLOW, "new-falkirk-id"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["identities", email]).output
    assert "old-angus-id" in listed and "new-falkirk-id" in listed
    with app.app_context():
        old_id = identities.find_identity(GLOW, "old-angus-id").id
    assert runner.invoke(args=["unlink-identity", str(old_id)]).exit_code == 0
    assert runner.invoke(args=["unlink-identity", str(old_id)]).exit_code == 1
    with app.app_context():
        signed_in = identities.account_for(glow("new-falkirk-id"))
        assert signed_in.user.email == email
        observation = db.session.get(Observation, world["a"]["observation_id"])
        assert observation.observer_id == signed_in.user.id
        with pytest.raises(SignInRefused):
            identities.account_for(glow("old-angus-id"))
        # Moving an identity linked elsewhere: the lead's link becomes the teacher's.
        identities.link_identity(user(world["a"]["lead"]), glow("shared-by-mistake"))
        identities.link_as_administrator(user(email), "glow", GLOW, "shared-by-mistake")
        assert identities.find_identity(GLOW, "shared-by-mistake").user.email == email
        assert db.session.scalar(select(db.func.count(ExternalIdentity.id))) == 2


def test_an_account_made_by_single_sign_on_has_no_password_to_sign_in_with(ctx, world, client):
    invite = db.session.get(Invite, world["a"]["invite_id"])
    identities.account_for(glow("g7"), invite=invite)
    db.session.commit()
    for password in ("", identities.NO_PASSWORD, TEST_PASSWORD):
        response = client.post("/sign-in", data={"email": invite.email, "password": password})
        assert response.status_code == 422
    assert "not right" in html(response)


def test_two_first_sign_ins_at_once_with_one_identity_both_open_the_account(ctx, world, monkeypatch):
    """The other request linked the identity after this one looked and before it inserted: the
    unique (issuer, subject) refuses the insert; the link the other made is found and signs in."""
    teacher = user(world["a"]["teacher"])
    identities.link_identity(teacher, glow("g8"))  # the other request's link
    real_find = identities.find_identity
    looks = []

    def find_as_if_not_yet_linked(issuer, subject):
        looks.append(subject)
        return None if len(looks) == 1 else real_find(issuer, subject)

    monkeypatch.setattr(identities, "find_identity", find_as_if_not_yet_linked)
    signed_in = identities.account_for(glow("g8"), signed_in=teacher)
    assert (signed_in.user.id, signed_in.how) == (teacher.id, "linked identity")
    assert db.session.scalar(select(db.func.count(ExternalIdentity.id))) == 1
    assert user(world["a"]["teacher"]).email == world["a"]["teacher"]  # the session still works
