"""Small defects a new user met (issue 14): a highlight is not an edit, an action's page says when it
is overdue or stale, the self-evaluation page has its button, text over a limit is refused rather
than cut, impossible dates are named, and a page past the last shows the last."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from tests.conftest import html
from tests.test_lessons import lesson_url
from tests.test_observing import observation
from workspace.actions import dashboard
from workspace.extensions import db
from workspace.forms_common import read_date, too_long
from workspace.models import Action, Observation


def edited_marks(client, world):
    return html(client.get(f"{lesson_url(world)}/observe")).count("(edited)")


# 3. Marking a highlight is not an edit ------------------------------------------------------------


def test_a_highlight_does_not_mark_an_observation_edited_but_a_change_of_text_does(
    client, make_client, world, app, frozen_clock
):
    oid = world["a"]["observation_id"]  # the teacher's
    frozen_clock.shift(timedelta(minutes=10))
    colleague = make_client()
    colleague.sign_in(world["a"]["other_teacher"])
    assert (
        colleague.post(
            f"{lesson_url(world)}/observations/{oid}/highlight", data={"highlight": "1"}, htmx=True
        ).status_code
        == 204
    )
    body = html(colleague.get(f"{lesson_url(world)}/observe"))
    assert "highlight-mark" in body and "(edited)" not in body
    client.sign_in(world["a"]["teacher"])
    assert edited_marks(client, world) == 0
    with app.app_context():
        assert db.session.get(Observation, oid).is_highlight
    assert (
        colleague.post(
            f"{lesson_url(world)}/observations/{oid}/highlight", data={"highlight": "0"}, htmx=True
        ).status_code
        == 204
    )
    assert edited_marks(client, world) == 0

    # Saving the edit form with the same text (another stage, say) is not an edit of the text either.
    # (A highlight does not move the entry's version either: the edit begun before it still saves.)
    same = observation(world, "Counted on fingers, then used the fraction wall.", stage=1, version="1")
    assert client.post(f"{lesson_url(world)}/observations/{oid}/edit", data=same).status_code == 303
    assert edited_marks(client, world) == 0
    changed = observation(world, "Counted on fingers, then used the fraction wall twice.", version="2")
    assert client.post(f"{lesson_url(world)}/observations/{oid}/edit", data=changed).status_code == 303
    assert edited_marks(client, world) == 1


def test_the_highlight_moves_the_lessons_feed_version_on(client, world, app):
    client.sign_in(world["a"]["other_teacher"])
    with app.app_context():
        from workspace.models import ResearchLesson

        before = db.session.get(ResearchLesson, world["a"]["lesson_id"]).feed_version
    client.post(
        f"{lesson_url(world)}/observations/{world['a']['observation_id']}/highlight", data={"highlight": "1"}
    )
    with app.app_context():
        assert db.session.get(ResearchLesson, world["a"]["lesson_id"]).feed_version != before


# 5. An action's own page says overdue and stale, by the dashboard's rule --------------------------


def action_url(world):
    return f"/p/{world['a']['partnership_id']}/actions/{world['a']['action_id']}"


def set_action(app, world, **values):
    with app.app_context():
        db.session.execute(update(Action).where(Action.id == world["a"]["action_id"]).values(**values))
        db.session.commit()


def test_attention_is_the_dashboards_rule():
    today, now = date(2026, 11, 20), datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert dashboard.attention("in_progress", today - timedelta(days=1), now, today, now) == (True, False)
    assert dashboard.attention("in_progress", today, now - timedelta(weeks=5), today, now) == (False, True)
    assert dashboard.attention("in_progress", None, now - timedelta(weeks=3), today, now) == (False, False)
    assert dashboard.attention("in_progress", None, now - timedelta(weeks=3), today, now, stale_weeks=2) == (
        False,
        True,
    )
    assert dashboard.attention(
        "complete", today - timedelta(days=9), now - timedelta(weeks=9), today, now
    ) == (False, False)


def test_an_actions_page_says_when_it_is_overdue_or_has_no_recent_update(client, world, app):
    client.sign_in(world["a"]["lead"])
    body = html(client.get(action_url(world)))
    assert "badge--overdue" not in body and "No recent update" not in body
    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    set_action(app, world, due_date=date(2026, 11, 1), last_progress_at=now - timedelta(weeks=6))
    body = html(client.get(action_url(world)))
    assert re.search(r"1 November 2026 <span class=\"badge badge--overdue\">Overdue</span>", body)
    assert "No recent update" in body and "none for more than 4 weeks" in body
    # The dashboard marks it the same way.
    results = html(client.get(f"/p/{world['a']['partnership_id']}/actions/", htmx=True))
    assert "badge--overdue" in results and "No recent update" in results
    # An update posted in place clears "no recent update" at once (the summary comes out of band).
    response = client.post(f"{action_url(world)}/progress", htmx=True, data={"text": "Walls in P7 too."})
    assert response.status_code == 201
    fragment = html(response)
    assert 'id="action-summary" hx-swap-oob="true"' in fragment
    assert "No recent update" not in fragment and "badge--overdue" in fragment
    set_action(app, world, status="complete")
    body = html(client.get(action_url(world)))
    assert "badge--overdue" not in body and "No recent update" not in body


# 6. "Record a self-evaluation" on the partnership's self-evaluation page ---------------------------


def selfeval_url(world):
    return f"/p/{world['a']['partnership_id']}/self-evaluation"


def test_a_lead_records_a_self_evaluation_choosing_the_school_next(client, world):
    client.sign_in(world["a"]["lead"])
    index = html(client.get(selfeval_url(world)))
    assert f'href="{selfeval_url(world)}/new">Record a self-evaluation</a>' in index
    page = client.get(f"{selfeval_url(world)}/new")
    assert page.status_code == 200
    body = html(page)
    assert "Which school are you evaluating?" in body
    for school_id in world["a"]["school_ids"]:
        assert f'value="{school_id}">' in body  # both schools, none chosen for a lead
    assert " checked" not in body
    fragment = client.get(f"{selfeval_url(world)}/new", htmx=True)
    assert html(fragment).lstrip().startswith('<section id="choose-school"')
    second = world["a"]["school_ids"][1]
    chosen = client.get(f"{selfeval_url(world)}/new?school_id={second}")
    assert chosen.status_code == 303
    assert chosen.headers["Location"].endswith(f"{selfeval_url(world)}/schools/{second}/new")
    assert (
        client.get(f"{selfeval_url(world)}/new?school_id={second}", htmx=True)
        .headers["HX-Redirect"]
        .endswith(f"/schools/{second}/new")
    )
    # Nothing chosen, or another partnership's school: 422 with the question asked again.
    for bad in ("school_id=", f"school_id={world['b']['school_ids'][0]}", "school_id=abc", "continue=1"):
        refused = client.get(f"{selfeval_url(world)}/new?{bad}")
        assert refused.status_code == 422
        assert "There is a problem" in html(refused) and "Choose the school you are evaluating." in html(
            refused
        )


def test_a_teacher_finds_their_own_school_chosen_and_a_reviewer_has_no_button(client, make_client, world):
    client.sign_in(world["a"]["teacher"])
    assert "Record a self-evaluation" in html(client.get(selfeval_url(world)))
    body = html(client.get(f"{selfeval_url(world)}/new"))
    own = world["a"]["school_ids"][0]
    assert re.search(rf'value="{own}" checked>', body)
    assert f'value="{world["a"]["school_ids"][1]}"' not in body  # a teacher evaluates their own school only
    other = world["a"]["school_ids"][1]
    assert client.get(f"{selfeval_url(world)}/new?school_id={other}").status_code == 422
    reviewer = make_client()
    reviewer.sign_in(world["a"]["reviewer"])
    assert "Record a self-evaluation" not in html(reviewer.get(selfeval_url(world)))
    assert reviewer.get(f"{selfeval_url(world)}/new").status_code == 403


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


# 9. A page past the last shows the last -------------------------------------------------------------


def test_a_page_past_the_last_shows_the_last_page(client, world, app):
    pid = world["a"]["partnership_id"]
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with app.app_context():
        db.session.execute(
            insert(Action),
            [
                {
                    "partnership_id": pid,
                    "title": f"Action {n:03}",
                    "description": "",
                    "status": "not_started",
                    "created_at": now,
                    "updated_at": now,
                    "last_progress_at": now,
                    "version": 1,
                }
                for n in range(69)
            ],
        )
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    for htmx in (False, True):
        body = html(client.get(f"/p/{pid}/actions/?page=99999", htmx=htmx))
        assert "Showing 51–70 of 70 actions." in body, body[:2000]
        assert "Page 2 of 2" in body and "Previous page" in body and "Next page" not in body
    with app.app_context():
        from werkzeug.datastructures import MultiDict

        page = dashboard.search(pid, dashboard.parse_filters(MultiDict({"page": "99999"})))
        assert page.filters.page == 2 and len(page.actions) == 20
        empty = dashboard.search(
            pid, dashboard.parse_filters(MultiDict({"page": "7", "q": "nothing like it"}))
        )
        assert empty.filters.page == 1 and empty.total == 0
    assert "No actions match these filters." in html(
        client.get(f"/p/{pid}/actions/?page=7&q=nothing+like+it", htmx=True)
    )


# 1 and 4. Markup the browser tests check in place: scrollers reached by Tab, the sheet's print sheet --


def test_the_sheet_and_dashboard_scrollers_are_named_regions_reached_by_tab(client, world):
    client.sign_in(world["a"]["lead"])
    pid = world["a"]["partnership_id"]
    for url, caption in (
        (f"{lesson_url(world)}/sheet", "sheet-caption"),
        (f"/p/{pid}/actions/", "results-caption"),
        (f"/p/{pid}/actions/summary/by-school", "summary-by-school-caption"),
        (f"/p/{pid}/actions/summary/qi", "summary-qi-caption"),
    ):
        body = html(client.get(url))
        assert f'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="{caption}">' in body, (
            url
        )
        assert f'id="{caption}"' in body, url
    assert "<h3" not in html(client.get(f"/p/{pid}/actions/new"))  # no h1 then h3 (the picker's "Chosen")


def test_the_sheet_prints_a4_landscape_with_its_print_stylesheet(client, world):
    client.sign_in(world["a"]["teacher"])
    body = html(client.get(f"{lesson_url(world)}/sheet"))
    assert '<link rel="stylesheet" media="print" href="/static/css/print-sheet.css">' in body
    assert "print-sheet.css" not in html(client.get(f"{lesson_url(world)}/observe"))  # that page only
    css = client.get("/static/css/print-sheet.css").get_data(as_text=True)
    assert re.search(r"@page\s*\{\s*size:\s*A4 landscape", css)
    assert re.search(
        r"\.table-scroll\s*\{[^}]*overflow:\s*visible", css
    )  # the scroller cuts nothing on paper


def test_edit_and_cancel_say_where_focus_goes(client, world):
    client.sign_in(world["a"]["teacher"])
    oid = world["a"]["observation_id"]
    feed = html(client.get(f"{lesson_url(world)}/observe"))
    assert f'id="edit-observation-{oid}"' in feed
    form = html(client.get(f"{lesson_url(world)}/observations/{oid}/edit", htmx=True))
    assert re.search(r'<textarea[^>]*data-autofocus[^>]*id="text"', form)
    assert f'data-focus-after="#edit-observation-{oid}">Cancel</a>' in form


def test_the_discussions_text_areas_count_to_their_limits(client, world):
    client.sign_in(world["a"]["teacher"])
    body = html(client.get(f"{lesson_url(world)}/discussion"))
    for name in ("discussion_teaching", "discussion_learned", f"progress-{world['a']['pupil_ids'][0]}"):
        assert re.search(rf'<textarea[^>]*name="{name}"[^>]*data-maxlength="20000"', body), name
    assert re.search(r'<textarea[^>]*name="next_step"[^>]*data-maxlength="2000"', body)


def test_a_long_next_step_is_offered_whole_as_an_actions_title_with_a_word_about_its_limit(
    client, world, app
):
    from workspace.models import NextStep

    long_step = "Use fraction walls " + "and number lines " * 20  # over 300 characters
    with app.app_context():
        db.session.get(NextStep, world["a"]["step_id"]).text = long_step
        db.session.commit()
    client.sign_in(world["a"]["teacher"])
    url = f"{lesson_url(world)}/next-steps/{world['a']['step_id']}/action"
    body = html(client.get(url))
    assert f'value="{long_step}"' in body  # whole, not cut at 300
    assert f"at most 300 characters, and this next step is {len(long_step)}: shorten it" in body
    refused = client.post(url, data={"title": long_step, "owner_id": ""})
    assert refused.status_code == 422 and "Enter 300 characters or fewer." in html(refused)
