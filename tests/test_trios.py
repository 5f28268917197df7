"""Trios: creating and editing them, cycles, lessons and who may change what."""

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import html
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Observation, Partnership, ResearchLesson, Trio, User
from workspace.reference import Role


def trios_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/trios"


def user_id(email):
    return db.session.scalar(select(User.id).where(User.email == email))


def trio_data(app, world, **overrides):
    with app.app_context():
        members = [
            user_id(world["a"]["teacher"]),
            user_id(world["a"]["other_teacher"]),
            user_id(world["a"]["lead"]),
        ]
    data = {
        "name": "Writing across the transition",
        "focus": "We want to learn how to improve the way we teach persuasive writing to P7 and S1.",
        "status": "planning",
        "members": members,
    }
    data.update(overrides)
    return data


def test_trio_list_and_page(client, world):
    client.sign_in(world["a"]["reviewer"])
    body = html(client.get(trios_url(world)))
    assert "Partnership Alpha fractions trio" in body and "Partnership Beta" not in body
    assert "Start a trio" not in body  # reviewers change nothing
    fragment = html(client.get(trios_url(world), htmx=True))
    assert fragment.lstrip().startswith('<div id="trio-list"')
    trio_page = client.get(f"{trios_url(world)}/{world['a']['trio_id']}")
    assert "Cycle 1" in html(trio_page) and "Edit the trio" not in html(trio_page)
    assert (
        html(client.get(f"{trios_url(world)}/{world['a']['trio_id']}", htmx=True))
        .lstrip()
        .startswith('<section id="cycles"')
    )


def test_create_trio_with_links(client, world, app):
    client.sign_in(world["a"]["teacher"])
    assert "Start a trio" in html(client.get(f"{trios_url(world)}/new"))
    data = trio_data(app, world, links=[str(world["a"]["element_id"])])
    response = client.post(f"{trios_url(world)}/new", data=data)
    assert response.status_code == 303, html(response)[:3000]
    with app.app_context():
        trio = db.session.scalar(select(Trio).where(Trio.name == data["name"]))
        assert len(trio.members) == 3
        assert [e.id for e in linking.links_for("trio", [trio.id])[trio.id]] == [world["a"]["element_id"]]
    page = html(client.get(response.headers["Location"]))
    assert "QI 2.3 Learning, teaching and assessment" in page


@pytest.mark.parametrize(
    "change, message",
    [
        ({"members": "ONE"}, "2 to 4 members"),
        ({"focus": ""}, "Write the trio&#39;s enquiry focus."),
        ({"name": ""}, "Give the trio a name."),
        ({"status": "finished"}, "Not a valid choice"),
        ({"members": "OTHER"}, "not a valid choice"),
    ],
)
def test_invalid_trio_is_422_and_keeps_values(client, world, app, change, message):
    client.sign_in(world["a"]["teacher"])
    data = trio_data(app, world)
    if change.get("members") == "ONE":
        data["members"] = data["members"][:1]
    elif change.get("members") == "OTHER":
        with app.app_context():
            data["members"] = data["members"][:2] + [user_id(world["b"]["teacher"])]
    else:
        data.update(change)
    response = client.post(f"{trios_url(world)}/new", data=data)
    assert response.status_code == 422
    body = html(response)
    assert message in body
    if data["focus"]:
        assert "persuasive writing" in body


def test_picker_buttons_without_javascript_redraw_the_form_and_save_nothing(client, world, app):
    client.sign_in(world["a"]["teacher"])
    data = trio_data(app, world, links_q="gender", links_search="1")
    response = client.post(f"{trios_url(world)}/new", data=data)
    assert response.status_code == 200
    assert 'name="links_add"' in html(response) and "persuasive writing" in html(response)
    data = trio_data(app, world, links_add=str(world["a"]["element_id"]))
    body = html(client.post(f"{trios_url(world)}/new", data=data))
    assert f'type="hidden" name="links" value="{world["a"]["element_id"]}"' in body
    with app.app_context():
        assert db.session.scalar(select(Trio).where(Trio.name == data["name"])) is None


def test_partnership_member_outside_the_trio_reads_but_cannot_change(client, world, app):
    with app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        from workspace.models import School

        school = db.session.get(School, world["a"]["school_ids"][1])
        factories.member(partnership, "outsider@example.org", Role.TEACHER, school)
        db.session.commit()
    client.sign_in("outsider@example.org")
    base = f"{trios_url(world)}/{world['a']['trio_id']}"
    lesson = f"{base}/lessons/{world['a']['lesson_id']}"
    assert client.get(base).status_code == 200
    assert client.get(f"{lesson}/sheet").status_code == 200
    assert client.get(f"{lesson}/plan").status_code == 200
    assert "You can read this plan" in html(client.get(f"{lesson}/plan"))
    assert client.get(f"{base}/edit").status_code == 403
    assert client.post(f"{base}/cycles").status_code == 403
    assert client.post(f"{lesson}/plan", data={"version": "1"}).status_code == 403
    assert client.post(f"{lesson}/observations", data={"text": "x"}).status_code == 403
    assert client.post(f"{lesson}/voice", data={"response": "x"}).status_code == 403
    assert client.post(f"{lesson}/discussion", data={"version": "1"}).status_code == 403


def test_lead_changes_any_trio(client, world, app):
    client.sign_in(world["a"]["lead"])
    response = client.get(f"{trios_url(world)}/{world['a']['trio_id']}/edit")
    assert response.status_code == 200


def test_stale_trio_edit_is_409_and_shows_what_changed(client, make_client, world, app):
    base = f"{trios_url(world)}/{world['a']['trio_id']}/edit"
    with app.app_context():
        trio = db.session.get(Trio, world["a"]["trio_id"])
        members = [m.user_id for m in trio.members]
        version = trio.version
    client.sign_in(world["a"]["teacher"])
    other = make_client()
    other.sign_in(world["a"]["other_teacher"])
    first = other.post(
        base,
        data={
            "name": "Renamed by a colleague",
            "focus": "Their focus",
            "status": "active",
            "members": members,
            "version": version,
        },
    )
    assert first.status_code == 303
    mine = client.post(
        base,
        data={
            "name": "My name for it",
            "focus": "My focus, typed carefully",
            "status": "active",
            "members": members,
            "version": version,
        },
    )
    assert mine.status_code == 409
    body = html(mine)
    assert "Someone else saved the trio" in body
    assert "Renamed by a colleague" in body  # what is saved now
    assert "My focus, typed carefully" in body  # nothing typed is lost
    with app.app_context():
        now_saved = db.session.get(Trio, world["a"]["trio_id"]).version
    assert f'name="version" value="{now_saved}"' in body  # saving again keeps mine, deliberately
    again = client.post(
        base,
        data={
            "name": "My name for it",
            "focus": "My focus, typed carefully",
            "status": "active",
            "members": members,
            "version": now_saved,
        },
    )
    assert again.status_code == 303


def test_cycles_and_lessons(client, world, app):
    client.sign_in(world["a"]["teacher"])
    base = f"{trios_url(world)}/{world['a']['trio_id']}"
    response = client.post(f"{base}/cycles")
    assert response.status_code == 303 and "/lessons/new" in response.headers["Location"]
    new_lesson = response.headers["Location"]
    assert "Add a research lesson to cycle 2" in html(client.get(new_lesson))
    assert html(client.get(new_lesson, htmx=True)).lstrip().startswith('<div id="new-lesson"')
    with app.app_context():
        teacher = user_id(world["a"]["teacher"])
        outsider = user_id(world["a"]["lead"])
    bad = client.post(new_lesson, data={"lesson_date": "2026-13-45", "teacher_id": str(teacher)})
    assert bad.status_code == 422
    not_in_trio = client.post(new_lesson, data={"teacher_id": str(outsider)})
    assert not_in_trio.status_code == 422 and "Not a valid choice" in html(not_in_trio)
    response = client.post(
        new_lesson,
        data={
            "lesson_date": "2026-12-01",
            "school_id": str(world["a"]["school_ids"][1]),
            "class_stage": "S1",
            "subject": "Maths",
            "teacher_id": str(teacher),
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/plan")
    with app.app_context():
        lesson = db.session.scalar(select(ResearchLesson).where(ResearchLesson.class_stage == "S1"))
        assert [p.label for p in lesson.case_pupils] == ["A", "B", "C"]  # A, B and C by default
        assert lesson.cycle.number == 2


def test_the_trio_page_lists_each_cycle_with_its_lessons(client, world, app):
    """Cycles in order, each lesson's school and class, teacher and observations; a cycle without
    lessons says so."""
    client.sign_in(world["a"]["teacher"])
    base = f"{trios_url(world)}/{world['a']['trio_id']}"
    assert client.post(f"{base}/cycles").status_code == 303  # cycle 2, no lessons yet
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        school, teacher = lesson.school.name, lesson.teacher.name
        observed = db.session.scalar(
            select(func.count(Observation.id)).where(Observation.lesson_id == lesson.id)
        )
    page = html(client.get(base))
    first, second = page.split('id="cycle-1"')[1].split('id="cycle-2"')
    row = first.split("<tr>")[2]
    assert f'href="{base}/lessons/{world["a"]["lesson_id"]}/plan">Lesson 1: Numeracy</a>' in row
    assert f"<td>{school}, P6</td>" in row and f"<td>{teacher}</td>" in row
    assert f"<td>{observed}</td>" in row
    for page_name in ("observe", "discussion", "sheet"):
        assert f'href="{base}/lessons/{world["a"]["lesson_id"]}/{page_name}"' in row
    assert "No research lessons in this cycle yet." in second and "No research lessons" not in first


def test_another_trios_cycle_is_404(client, world):
    client.sign_in(world["a"]["teacher"])
    assert (
        client.get(
            f"{trios_url(world)}/{world['a']['trio_id']}/cycles/{world['b']['cycle_id']}/lessons/new"
        ).status_code
        == 404
    )


def test_edit_form_shows_the_members_ticked(client, world, app):
    client.sign_in(world["a"]["teacher"])
    body = html(client.get(f"{trios_url(world)}/{world['a']['trio_id']}/edit"))
    with app.app_context():
        members = [user_id(world["a"]["teacher"]), user_id(world["a"]["other_teacher"])]
    for member in members:
        assert re.search(
            rf'<input checked id="members-\d+" name="members" type="checkbox" value="{member}">', body
        ), body[:200]
    assert 'name="version" value="' in body and "Partnership Alpha fractions trio" in body


def test_implausible_lesson_dates_are_refused(client, world):
    client.sign_in(world["a"]["teacher"])
    base = f"{trios_url(world)}/{world['a']['trio_id']}/cycles/{world['a']['cycle_id']}/lessons/new"
    response = client.post(base, data={"lesson_date": "0001-01-01"})
    assert response.status_code == 422 and "between 2000 and 2100" in html(response)
