"""Schools: leads add, edit and remove them; everyone else reads. Page and fragment."""

import pytest

from tests.conftest import html
from workspace.extensions import db
from workspace.models import School

NEW_SCHOOL = {"name": "Kinnaird Primary School", "sector": "primary", "local_authority": "Falkirk"}


def schools_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/schools"


def test_schools_page_and_fragment(client, world):
    client.sign_in(world["a"]["teacher"])
    page = client.get(schools_url(world))
    assert page.status_code == 200
    assert "<html" in html(page) and 'id="schools"' in html(page)
    assert "Alpha Primary School" in html(page) and "Beta Primary School" not in html(page)
    fragment = client.get(schools_url(world), htmx=True)
    assert fragment.status_code == 200
    assert "<html" not in html(fragment) and html(fragment).lstrip().startswith('<div id="schools"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_teacher_sees_no_add_form(client, world):
    client.sign_in(world["a"]["teacher"])
    assert "Add a school" not in html(client.get(schools_url(world)))


def test_lead_adds_a_school_without_javascript(client, world, app):
    client.sign_in(world["a"]["lead"])
    response = client.post(schools_url(world), data=NEW_SCHOOL)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Kinnaird Primary School has been added." in html(page)
    with app.app_context():
        school = db.session.scalar(db.select(School).where(School.name == "Kinnaird Primary School"))
        assert school.partnership_id == world["a"]["partnership_id"]


def test_lead_adds_a_school_in_place_with_htmx(client, world):
    client.sign_in(world["a"]["lead"])
    response = client.post(schools_url(world), data=NEW_SCHOOL, htmx=True)
    assert response.status_code == 201
    body = html(response)
    assert "<html" not in body
    assert "Kinnaird Primary School has been added." in body
    assert body.count("<tr>") == 4  # header row and three schools


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"name": "", "sector": "primary", "local_authority": "Falkirk"},
            "name",
            "Enter the school&#39;s name.",
        ),
        (
            {"name": "X", "sector": "", "local_authority": "Falkirk"},
            "sector",
            "Choose the school&#39;s sector.",
        ),
        ({"name": "X", "sector": "university", "local_authority": "Falkirk"}, "sector", "Not a valid choice"),
        (
            {"name": "X", "sector": "primary", "local_authority": "Atlantis"},
            "local_authority",
            "Not a valid choice",
        ),
        (
            {"name": "Alpha Primary School", "sector": "primary", "local_authority": "Falkirk"},
            "name",
            "already has a school",
        ),
        (
            {"name": "x" * 201, "sector": "primary", "local_authority": "Falkirk"},
            "name",
            "Enter 200 characters or fewer.",
        ),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_school_is_422_with_values_kept(client, world, data, field, message, htmx):
    client.sign_in(world["a"]["lead"])
    response = client.post(schools_url(world), data=data, htmx=htmx)
    assert response.status_code == 422
    body = html(response)
    assert message in body
    assert f'href="#{field}"' in body  # the error summary links to the field
    if data["name"] and len(data["name"]) < 50:
        assert f'value="{data["name"]}"' in body
    assert ("<html" in body) is (not htmx)


def test_edit_school(client, world, app):
    client.sign_in(world["a"]["lead"])
    sid = world["a"]["school_ids"][0]
    url = f"{schools_url(world)}/{sid}/edit"
    assert client.get(url).status_code == 200
    assert "<html" not in html(client.get(url, htmx=True))
    response = client.post(
        url, data={"name": "Alpha Primary", "sector": "primary", "local_authority": "Stirling"}
    )
    assert response.status_code == 303
    with app.app_context():
        school = db.session.get(School, sid)
        assert (school.name, school.local_authority) == ("Alpha Primary", "Stirling")
    response = client.post(
        url, data={"name": "Alpha High School", "sector": "primary", "local_authority": "Stirling"}
    )
    assert response.status_code == 422
    assert "already has a school" in html(response)


def test_remove_school_refused_while_it_has_members(client, world, app):
    client.sign_in(world["a"]["lead"])
    sid = world["a"]["school_ids"][0]
    url = f"{schools_url(world)}/{sid}/remove"
    page = client.get(url)
    assert "Move its members" in html(page)
    response = client.post(url)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(School, sid) is not None


def test_remove_empty_school(client, world, app):
    client.sign_in(world["a"]["lead"])
    response = client.post(schools_url(world), data=NEW_SCHOOL)
    with app.app_context():
        sid = db.session.scalar(db.select(School.id).where(School.name == NEW_SCHOOL["name"]))
    url = f"{schools_url(world)}/{sid}/remove"
    assert "cannot be undone" in html(client.get(url))
    assert "<html" not in html(client.get(url, htmx=True))
    response = client.post(url)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(School, sid) is None


@pytest.mark.parametrize("who", ["teacher", "reviewer"])
def test_only_leads_change_schools(client, world, who):
    client.sign_in(world["a"][who])
    sid = world["a"]["school_ids"][1]
    assert client.post(schools_url(world), data=NEW_SCHOOL).status_code == 403
    assert client.get(f"{schools_url(world)}/{sid}/edit").status_code == 403
    assert client.post(f"{schools_url(world)}/{sid}/remove").status_code == 403


def test_school_of_another_partnership_is_404_even_in_own_partnership_url(client, world):
    client.sign_in(world["a"]["lead"])
    other_school = world["b"]["school_ids"][0]
    assert client.get(f"{schools_url(world)}/{other_school}/edit").status_code == 404
    assert client.post(f"{schools_url(world)}/{other_school}/remove").status_code == 404
