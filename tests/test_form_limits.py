"""What forms accept, as a new user met it (issue 14, items 7 and 8): text over a limit is refused
with a message and kept, never cut, and a line break counts once; a date the calendar does not have
is named in plain words. (A date box holding bad input in the browser: browser/test_date_inputs.py.)"""

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import html
from tests.test_lessons import lesson_url
from tests.test_observing import observation
from tests.test_small_defects import action_url, selfeval_url
from workspace.extensions import db
from workspace.forms_common import read_date, too_long
from workspace.models import Observation

# 7. Text over a limit is refused with a message, never cut ------------------------------------------


def test_text_over_a_limit_is_refused_with_a_message_and_kept(client, world, app):
    client.sign_in(world["a"]["lead"])
    trios = f"/p/{world['a']['partnership_id']}/trios"
    focus = "We want to learn " + "x" * 1990  # 2,007 characters
    response = client.post(f"{trios}/new", data={"name": "Long focus", "focus": focus, "status": "planning"})
    assert response.status_code == 422
    body = html(response)
    assert "Enter 2,000 characters or fewer." in body
    assert focus in body  # kept, not cut
    # No maxlength (the browser would cut pasted text); the limit is there for the character count.
    area = re.search(r"<textarea[^>]*id=\"focus\"[^>]*>", body).group(0)
    assert "maxlength=" not in area.replace("data-maxlength", "")
    assert 'data-maxlength="2000"' in area and "focus-info" in area
    assert (
        '<p class="hint character-count__message" id="focus-info">You can enter up to 2,000 characters</p>'
        in body
    )


def test_no_form_field_carries_a_maxlength_that_cuts(client, world):
    client.sign_in(world["a"]["teacher"])
    pid = world["a"]["partnership_id"]
    for url in (
        f"/p/{pid}/actions/new",
        f"{action_url(world)}",
        f"{lesson_url(world)}/observe",
        f"{lesson_url(world)}/voice",
        f"{lesson_url(world)}/plan",
        f"/p/{pid}/trios/new",
        f"{lesson_url(world)}/discussion",
        f"{selfeval_url(world)}/schools/{world['a']['school_ids'][0]}/new",
        "/sign-in",
    ):
        body = html(client.get(url))
        assert not re.search(r"[^-]maxlength=", body), url
        if "<textarea" in body and url != f"{lesson_url(world)}/plan":
            assert "data-maxlength=" in body, url


@pytest.mark.parametrize(
    "path, data, field, limit",
    [
        ("observations", {"text": "y" * 5001}, "text", 5000),
        ("voice", {"response": "y" * 5001}, "response", 5000),
    ],
)
def test_trio_text_over_its_limit_is_422(client, world, path, data, field, limit):
    client.sign_in(world["a"]["other_teacher"])
    base = (
        observation(world, "x")
        if path == "observations"
        else {"case_pupil_id": str(world["a"]["pupil_ids"][0]), "question": "What helped you learn today?"}
    )
    response = client.post(f"{lesson_url(world)}/{path}", data={**base, **data})
    assert response.status_code == 422
    assert too_long(limit) in html(response) and data[field] in html(response)


def text_with_browser_line_breaks(characters: int, breaks: int) -> str:
    """`characters` characters as a person counts them, `breaks` of them line breaks, sent as a
    browser sends a text area: each line break as CR LF."""
    line = "y" * ((characters - breaks) // breaks)
    text = "\n".join([line] * breaks) + "\n" + "y" * (characters - breaks - len(line) * breaks)
    assert len(text) == characters and text.count("\n") == breaks
    return text.replace("\n", "\r\n")


def test_a_line_break_counts_once_against_a_limit_and_is_stored_as_a_line_feed(client, world, app):
    sent = text_with_browser_line_breaks(4999, 10)  # 5,009 characters on the wire
    client.sign_in(world["a"]["other_teacher"])
    response = client.post(f"{lesson_url(world)}/observations", data=observation(world, sent))
    assert response.status_code == 303, html(response)[:300]
    aid = world["a"]["action_id"]
    comment = text_with_browser_line_breaks(4999, 10).replace(
        "\r\n", "\r", 3
    )  # a lone CR is a line break too
    assert (
        client.post(
            f"/p/{world['a']['partnership_id']}/comments/action/{aid}", htmx=True, data={"text": comment}
        ).status_code
        == 201
    )
    with app.app_context():
        from workspace.models import Comment

        stored = db.session.scalar(select(Observation.text).where(Observation.text.like("yyy%")))
        assert stored == sent.replace("\r\n", "\n") and len(stored) == 4999
        stored_comment = db.session.scalar(select(Comment.text).where(Comment.record_id == aid))
        assert "\r" not in stored_comment and stored_comment.count("\n") == 10 and len(stored_comment) == 4999


def test_action_progress_over_its_limit_is_422_with_the_message(client, world):
    client.sign_in(world["a"]["lead"])
    response = client.post(f"{action_url(world)}/progress", htmx=True, data={"text": "z" * 10001})
    assert response.status_code == 422
    assert "Enter 10,000 characters or fewer." in html(response)


def test_the_character_count_script_is_served_and_needs_no_inline_script(client, world):
    client.sign_in(world["a"]["lead"])
    page = client.get(action_url(world))
    body = html(page)
    assert '<script src="/static/js/character-count.js" defer></script>' in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # every script is a file
    assert (
        "'unsafe-inline'" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    script = client.get("/static/js/character-count.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    assert "remaining" in text and "aria-live" in text and "too many" in text


# 8. Dates the calendar does not have are named ------------------------------------------------------


@pytest.mark.parametrize(
    "typed, said",
    [
        ("2027-02-31", "31 February 2027 is not a real date. Enter a real date, for example 27/03/2027."),
        ("31/02/2027", "31 February 2027 is not a real date. Enter a real date, for example 27/03/2027."),
        ("2026-04-31", "31 April 2026 is not a real date."),
        ("2026-13-01", "2026-13-01 is not a real date."),
        ("next week", "Enter the date as day, month and year, for example 27/03/2027."),
    ],
)
def test_impossible_dates_are_named(typed, said):
    value, problem = read_date(typed)
    assert value is None and problem.startswith(said)


def test_real_dates_in_either_order_are_read():
    assert read_date("2027-03-27") == (date(2027, 3, 27), None)
    assert read_date("27 3 2027") == (date(2027, 3, 27), None)
    assert read_date("27/03/2027") == (date(2027, 3, 27), None)
    assert read_date("") == (None, None)


def test_date_fields_say_so_in_plain_words(client, world, app):
    client.sign_in(world["a"]["lead"])
    pid = world["a"]["partnership_id"]
    from tests.test_actions import action_data

    response = client.post(f"/p/{pid}/actions/new", data=action_data(app, world, due_date="2027-02-31"))
    assert response.status_code == 422
    body = html(response)
    assert "31 February 2027 is not a real date. Enter a real date, for example 27/03/2027." in body
    assert 'value="2027-02-31"' in body  # the value is kept
    assert "Not a valid date value" not in body
    # The self-evaluation's date says the same (the lesson plan's: tests/test_lesson_plan.py).
    school = world["a"]["school_ids"][0]
    response = client.post(
        f"{selfeval_url(world)}/schools/{school}/new",
        data={
            "element_id": str(_theme(app)),
            "evaluated_on": "2026-02-30",
            "level": "starting",
            "how_well": "Fine.",
        },
    )
    assert response.status_code == 422 and "30 February 2026 is not a real date." in html(response)


def _theme(app):
    from workspace.models import Framework, FrameworkElement

    with app.app_context():
        stem = db.session.scalar(
            select(Framework.id).where(Framework.key == "stem", Framework.is_current.is_(True))
        )
        return db.session.scalar(
            select(FrameworkElement.id)
            .where(FrameworkElement.framework_id == stem, FrameworkElement.kind == "theme")
            .order_by(FrameworkElement.id)
        )
