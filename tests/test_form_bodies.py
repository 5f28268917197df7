"""Every state-changing route takes a form and nothing else: a JSON or XML body, or a body with no
content type, answers 415 and changes nothing. Flask-WTF would otherwise read a JSON body as the
form, letting numbers in where text is expected and control characters past the request's cleaning."""

import json

import pytest
from sqlalchemy import func, select

from tests.test_access import UNSCOPED, argument_values, build
from workspace.extensions import db
from workspace.models import User

BODIES = {
    "json": (
        "application/json",
        json.dumps(
            {
                "title": 5,
                "text": "a\x00b",
                "name": ["x"],
                "version": 1,
                "email": "lead@example.org",
                "password": "x",
            }
        ),
    ),
    "xml": ("application/xml", "<form><title>5</title><text>a</text></form>"),
    "no content type": (None, "title=Sneaky&text=typed+without+a+type"),
}


def state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_state_changing_routes_refuse_bodies_that_are_not_forms(app, make_client, world, kind):
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
        lead.is_admin = True  # so the admin routes are reached too
        db.session.commit()
    client = make_client()
    client.sign_in(world["a"]["lead"])
    with app.app_context():
        before = row_counts()
    values = argument_values(world, "a") | {"token": "not-a-token"}
    content_type, body = BODIES[kind]
    routes = list(state_changing_rules(app))
    assert len(routes) > 40  # the URL map, not a hand-made list
    for rule, method in routes:
        url = build(rule, values)
        for htmx in (False, True):
            headers = {"Content-Type": content_type} if content_type else {}
            response = client.open(url, method=method, data=body.encode(), headers=headers, htmx=htmx)
            assert response.status_code == 415, f"{method} {rule.rule} with {kind}: {response.status_code}"
    with app.app_context():
        db.session.remove()
        after = row_counts()
    # Not a row written, changed or removed anywhere (the sign-in above came before the count).
    assert after == before


def test_the_refusal_says_what_is_wrong_and_forms_still_work(client, world):
    client.sign_in(world["a"]["lead"])
    url = f"/p/{world['a']['partnership_id']}/schools"
    refused = client.post(url, json={"name": "JSON school"})
    assert refused.status_code == 415
    assert "accepts what its form sends" in refused.get_data(as_text=True)
    # An htmx request gets the short fragment, not a whole page.
    fragment = client.post(url, json={"name": "JSON school"}, htmx=True)
    assert fragment.status_code == 415 and "<html" not in fragment.get_data(as_text=True)
    # A form with a charset parameter is still a form; so is an empty body with no type.
    form = client.post(
        url, data="name=", headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    )
    assert form.status_code == 422
    assert client.post("/sign-out").status_code != 415


def test_unscoped_routes_are_in_the_walk(app):
    endpoints = {rule.endpoint for rule, _ in state_changing_rules(app)}
    assert {"auth.sign_in", "auth.change_password", "admin.new_partnership"} <= endpoints
    assert endpoints & set(UNSCOPED)
