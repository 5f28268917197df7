"""Small defects a new user met (issue 14): a highlight is not an edit, an action's page says when it
is overdue or stale, the self-evaluation page has its button, and a page past the last shows the last. Text over a
limit and impossible dates (items 7 and 8) are in test_form_limits.py."""

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, update

from tests.conftest import html
from tests.test_lessons import lesson_url
from tests.test_observing import observation
from workspace.actions import dashboard
from workspace.extensions import db
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
