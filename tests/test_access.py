"""Access rules over every route of the app, taken from the URL map so none can slip past."""

import re

import pytest

from tests.conftest import html
from workspace.access import PartnershipAccess, Permission
from workspace.reference import Role

# Routes that take no partnership_id, and why they are safe without one.
UNSCOPED = {
    "static": "public files",
    "healthz": "liveness probe, says nothing",
    "auth.sign_in": "public",
    "auth.sign_out": "the caller's own session",
    "auth.home": "redirects to the caller's own partnership",
    "auth.my_partnerships": "lists only the caller's partnerships",
    "auth.change_password": "the caller's own account",
    "auth.accept_invite": "the token is the credential",
    "auth.privacy": "public notice",
    "auth.sign_in_code": "the second step of signing in, for the session's own pending sign-in",
    "auth.two_step": "the caller's own account",
    "auth.two_step_off": "the caller's own account",
    "auth.two_step_new": "the caller's own account",
    "auth.accessibility": "public statement",
    "mail.choices": "the caller's own account",
    "mail.unsubscribe": "the signed token is the credential, for one person's one kind of e-mail",
    "auth.single_sign_on_start": "public: starts a sign-in with a configured provider",
    "auth.oidc_callback": "public: the provider's answer, checked against this session's state",
    "auth.saml_acs": "public: the identity provider's signed assertion is the credential",
    "auth.saml_metadata": "public: the service provider's metadata, given to the identity provider",
    "library.index": "published findings, for every signed-in person (tested in test_findings.py)",
    "library.finding": "a published finding, for every signed-in person; a draft is 404 to all",
    "programme.index": "programme officers only, their own partnerships (test_programme.py)",
    "programme.programme_network": "programme officers only, their own partnerships (test_programme.py)",
    "programme.workbook": "programme officers only, their own partnerships (test_programme.py)",
    "admin.officers": "site administrators only (tested below)",
    "admin.index": "site administrators only (tested below)",
    "admin.new_partnership": "site administrators only (tested below)",
    "admin.sign_ins": "site administrators only (tested below)",
}

# Routes that take no CSRF token, and why.
CSRF_EXEMPT = {
    "mail.unsubscribe": "RFC 8058 one-click unsubscribe: the mail client posts with no session; the "
    "signed token is the credential, and it can only turn one kind of e-mail off (tests/test_mail_choices.py)",
    # Another site (the identity provider) sends this POST by design.
    "auth.saml_acs": "RM Unify posts the assertion; its signature and InResponseTo guard it",
}

# Reference data shared by every partnership (frameworks): ids that are nobody's secret.
GLOBAL_ARGUMENTS = {"framework_id", "element_id"}
# URL arguments that name a kind of thing, not a record: nothing of A's to find through B.
NOT_RECORDS = {"record_type", "summary"}


# Values for each URL argument: the records of partnership A.
def argument_values(world, side="a"):
    w = world[side]
    return {
        "partnership_id": w["partnership_id"],
        "school_id": w["school_ids"][0],
        "membership_id": w["teacher_membership_id"],
        "invite_id": w["invite_id"],
        "framework_id": w["framework_id"],
        "element_id": w["element_id"],
        "trio_id": w["trio_id"],
        "cycle_id": w["cycle_id"],
        "lesson_id": w["lesson_id"],
        "observation_id": w["observation_id"],
        "note_id": w["note_id"],
        "step_id": w["step_id"],
        "action_id": w["action_id"],
        "evaluation_id": w["evaluation_id"],
        "report_id": w["report_id"],
        "update_id": w["update_id"],
        "finding_id": w["finding_id"],
        "file_id": w["file_id"],
        "record_type": "action",
        "record_id": w["action_id"],
        "summary": "qi",
        "name": "glow",
    }


def scoped_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNSCOPED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((rule, method))
    return rules


def build(rule, values):
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: give test_access.py a value for {missing}"
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def test_every_route_is_scoped_or_listed(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in UNSCOPED:
            assert "partnership_id" in rule.arguments, (
                f"{rule.endpoint} ({rule.rule}) takes no partnership_id: scope it, or list it in UNSCOPED with a reason"
            )
            view = app.view_functions[rule.endpoint]
            if getattr(view, "programme_officer", False):
                continue  # access.programme_route: the officer's followed partnerships (test_programme.py)
            assert hasattr(view, "partnership_permission"), (
                f"{rule.endpoint} does not go through access.partnership_route"
            )


def test_member_of_b_gets_404_on_every_route_of_a(app, make_client, world):
    client = make_client()
    client.sign_in(world["b"]["lead"])  # the strongest role in B
    values = argument_values(world, "a")
    checked = 0
    for rule, method in scoped_rules(app):
        url = build(rule, values)
        for htmx in (False, True):
            response = client.open(url, method=method, htmx=htmx, data={})
            assert response.status_code == 404, (
                f"{method} {url} (htmx={htmx}) answered {response.status_code}"
            )
            checked += 1
    assert checked >= 20


def test_records_of_a_through_bs_own_partnership_url_are_404(app, make_client, world):
    """B's lead uses B's partnership id but A's record ids: still 404."""
    client = make_client()
    client.sign_in(world["b"]["lead"])
    values = argument_values(world, "a") | {"partnership_id": world["b"]["partnership_id"]}
    for rule, method in scoped_rules(app):
        if set(rule.arguments) - GLOBAL_ARGUMENTS - NOT_RECORDS == {"partnership_id"}:
            continue
        url = build(rule, values)
        response = client.open(url, method=method, data={})
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"


# Entries only their author changes (in the world fixture, the teacher wrote them).
OWN_ENTRY_ENDPOINTS = {"trios.edit_observation", "trios.delete_observation"}


# Pages readable only by the partnership's leads, or only by site administrators.
LEAD_ENDPOINTS = {"privacy.index", "evidence.remove"}  # the world's file is the lead's
ADMIN_ENDPOINTS = {"privacy.delete"}


def expected_status(endpoint, permission, who):
    """The rule each role meets on a GET page of its own partnership (the teacher is in the trio)."""
    if permission is None:
        return 404  # the programme view: members of a partnership are not its officers
    if endpoint in ADMIN_ENDPOINTS:
        return 403
    if endpoint in LEAD_ENDPOINTS:
        return 200 if who == "lead" else 403
    if permission is Permission.VIEW:
        return 200
    if endpoint in OWN_ENTRY_ENDPOINTS:
        return 200 if who == "teacher" else 403
    if permission is Permission.CONTRIBUTE:
        return 200 if who in ("lead", "teacher") else 403
    return 200 if who == "lead" else 403


@pytest.mark.parametrize("who", ["lead", "teacher", "reviewer"])
def test_members_of_a_reach_a_pages(app, make_client, world, who):
    client = make_client()
    client.sign_in(world["a"][who])
    values = argument_values(world, "a")
    for rule, method in scoped_rules(app):
        if method != "GET":
            continue
        response = client.get(build(rule, values))
        expected = expected_status(
            rule.endpoint, getattr(app.view_functions[rule.endpoint], "partnership_permission", None), who
        )
        assert response.status_code == expected, f"{who} GET {rule.rule}: {response.status_code}"


def test_signed_out_visitors_are_sent_to_sign_in_on_every_scoped_route(app, make_client, world):
    client = make_client()
    values = argument_values(world, "a")
    for rule, method in scoped_rules(app):
        response = client.open(build(rule, values), method=method, data={})
        assert response.status_code in (302, 401), f"{method} {rule.rule}: {response.status_code}"


def test_csrf_is_required_on_every_state_changing_route(app, make_client, world):
    client = make_client()
    client.sign_in(world["a"]["lead"])
    values = argument_values(world, "a")
    posts = [(rule, m) for rule, m in scoped_rules(app) if m != "GET"]
    posts += [
        (r, "POST")
        for r in app.url_map.iter_rules()
        if r.endpoint in UNSCOPED and "POST" in r.methods and r.endpoint not in CSRF_EXEMPT
    ]
    for rule, method in posts:
        values_for_rule = values | {"token": "x"}
        response = client.open(build(rule, values_for_rule), method=method, csrf=False, data={})
        assert response.status_code == 400, f"{method} {rule.rule} without CSRF token: {response.status_code}"


def test_htmx_sends_the_csrf_token_in_a_header(client, world):
    client.sign_in(world["a"]["lead"])
    body = html(client.get(f"/p/{world['a']['partnership_id']}/schools"))
    assert re.search(
        r"hx-headers='\{&#34;X-CSRFToken&#34;: &#34;[^&]+&#34;\}'|hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'",
        body,
    )


def test_admin_pages_are_404_for_non_admins(client, world):
    client.sign_in(world["a"]["lead"])
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/sign-ins").status_code == 404
    assert client.get("/admin/officers").status_code == 404
    assert (
        client.post("/admin/partnerships/new", data={"name": "X", "lead_email": "x@example.org"}).status_code
        == 404
    )


def test_what_each_role_may_do():
    """The permission rules themselves; who holds which role is read by the routes tested above."""

    def access(role=None, is_admin=False, archived=False):
        return PartnershipAccess(1, 1, is_admin, role, None, None, archived)

    reviewer = access(Role.REVIEWER)
    assert reviewer.allows(Permission.VIEW) and reviewer.is_read_only
    assert not reviewer.allows(Permission.CONTRIBUTE) and not reviewer.allows(Permission.MANAGE)
    teacher = access(Role.TEACHER)
    assert teacher.allows(Permission.CONTRIBUTE) and not teacher.allows(Permission.MANAGE)
    assert access(Role.LEAD).allows(Permission.MANAGE)
    admin = access(is_admin=True)
    assert admin.allows(Permission.MANAGE) and not admin.allows(Permission.CONTRIBUTE)
    assert not access(Role.LEAD, archived=True).allows(Permission.CONTRIBUTE)  # archived: read-only
    assert reviewer.allows(Permission.COMMENT) and admin.allows(Permission.COMMENT)
    for role in Role:
        archived = access(role, archived=True)
        assert archived.allows(Permission.VIEW) and not archived.allows(Permission.COMMENT)


def test_a_record_read_by_a_statement_for_another_kind_is_refused(app, world):
    """record_by_id statements are built by the modules that use them: one for a lesson handed
    to trio_in fails loudly, rather than passing a lesson of the partnership off as its trio."""
    from sqlalchemy.orm import joinedload

    from workspace.access import lesson_in, record_by_id, trio_in
    from workspace.extensions import db
    from workspace.models import ResearchLesson, Trio

    a = world["a"]
    access = PartnershipAccess(1, a["partnership_id"], True, None, None, None, False)
    with app.test_request_context(), app.app_context():
        trio = trio_in(access, a["trio_id"], record_by_id(Trio, joinedload(Trio.members)))
        assert [m.trio_id for m in trio.members] and trio.id == a["trio_id"]
        assert lesson_in(access, trio, a["lesson_id"], record_by_id(ResearchLesson)).id == a["lesson_id"]
        db.session.expunge_all()
        with pytest.raises(TypeError, match="ResearchLesson read where a Trio was asked for"):
            trio_in(access, a["lesson_id"], record_by_id(ResearchLesson))
