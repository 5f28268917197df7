"""Programme officers: the partnerships a site administrator granted, through aggregates only;
never a route that shows a pupil's data. The network's table says what its picture draws."""

import io
import re
from datetime import date, timedelta

import openpyxl
from sqlalchemy import func, select

from tests.conftest import html
from tests.test_access import argument_values, build
from workspace.auth.services import create_user
from workspace.exchange import findings, network, programme
from workspace.extensions import db
from workspace.models import (
    Action,
    CasePupil,
    Finding,
    Observation,
    ProgrammeGrant,
    PupilVoice,
    ResearchLesson,
    SelfEvaluation,
    Trio,
    User,
)
from workspace.selfeval import services as selfeval

OFFICER = "officer@ric.example.org"
TODAY = date(2026, 11, 20)  # the suite's clock
DESCRIPTOR = "a boy who rushes to finish first"
STARRED = "Drew the wall from memory and explained it."


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _text_of(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
        )
    return response.get_data(as_text=True)


def _officer_of(app, partnership_ids):
    with app.app_context():
        officer = create_user(OFFICER, "Morag Officer", "correct horse battery staple")
        admin = _user("lead.alpha@example.org")
        programme.set_grants(officer, partnership_ids, admin)
        db.session.commit()


def test_a_site_administrator_grants_partnerships_and_nobody_else_can(app, make_client, world):
    a, b = world["a"], world["b"]
    with app.app_context():
        create_user(OFFICER, "Morag Officer", "correct horse battery staple")
        _user(a["lead"]).is_admin = True
        db.session.commit()
    admin = make_client()
    admin.sign_in(a["lead"])
    refused = admin.post(
        "/admin/officers", data={"email": "nobody@example.org", "partnerships": [a["partnership_id"]]}
    )
    assert refused.status_code == 422 and "No account has this e-mail address" in html(refused)
    assert (
        admin.post(
            "/admin/officers", data={"email": OFFICER, "partnerships": [a["partnership_id"]]}
        ).status_code
        == 303
    )
    page = html(admin.get(f"/admin/officers?email={OFFICER}"))
    assert "Morag Officer" in page
    assert re.search(
        rf'<input checked[^>]*name="partnerships" type="checkbox" value="{a["partnership_id"]}"', page
    )
    officer = make_client()
    officer.sign_in(OFFICER)
    overview = html(officer.get("/programme"))
    assert "Partnership Alpha" in overview and "Partnership Beta" not in overview
    assert officer.get(f"/programme/partnerships/{b['partnership_id']}").status_code == 404
    assert officer.get(f"/programme/partnerships/{b['partnership_id']}/network").status_code == 404
    assert officer.get(f"/programme/partnerships/{a['partnership_id']}").status_code == 200
    # Ticking none ends it; a partnership's own lead is no officer.
    admin.post("/admin/officers", data={"email": OFFICER})
    assert officer.get("/programme").status_code == 404
    member = make_client()
    member.sign_in(b["lead"])
    assert member.get("/programme").status_code == 404


def test_every_route_with_pupil_data_is_404_to_an_officer(app, make_client, world):
    """Walk the URL map as an officer who follows A: every partnership page is 404 (an officer
    is no member), and what does open shows no observation, pupil voice or descriptor."""
    a = world["a"]
    with app.app_context():
        db.session.get(CasePupil, a["pupil_ids"][0]).descriptor = DESCRIPTOR
        observation = db.session.get(Observation, a["observation_id"])
        observation.is_highlight = True
        observation.text = STARRED
        finding = db.session.get(Finding, a["finding_id"])
        data = findings.input_of(finding)
        data.observation_ids = [observation.id]
        findings.update_finding(finding, data)
        findings.approve(finding, _user(a["lead"]))
        voice = db.session.get(PupilVoice, a["note_id"]).response
        db.session.commit()
    _officer_of(app, [a["partnership_id"]])
    client = make_client()
    client.sign_in(OFFICER)
    values = argument_values(world, "a")
    opened = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = build(rule, values | {"token": "x"})
        for htmx in (False, True):
            response = client.get(url, htmx=htmx)
            if hasattr(view, "partnership_permission"):
                assert response.status_code == 404, f"{url}: {response.status_code}"
                continue
            body = _text_of(response)
            for secret in (STARRED, DESCRIPTOR, voice):
                assert secret not in body, f"{url} shows pupil data to an officer"
            if response.status_code == 200:
                opened.add(rule.endpoint)
    assert {
        "programme.index",
        "programme.partnership",
        "library.finding",
        "programme.partnership_network",
    } <= opened
    # The same finding, read by a teacher of another partnership, quotes the starred observation.
    teacher = make_client()
    teacher.sign_in(world["b"]["teacher"])
    assert STARRED in html(teacher.get(f"/library/{a['finding_id']}"))


def test_the_overview_figures_match_the_database(app, ctx, world):
    a, b = world["a"], world["b"]
    lesson = db.session.get(ResearchLesson, a["lesson_id"])
    lesson.lesson_date = date(2026, 10, 1)  # this term
    evaluation = db.session.get(SelfEvaluation, a["evaluation_id"])
    school = evaluation.school
    selfeval.record_evaluation(
        school.partnership,
        school,
        evaluation.element_id,
        date(2026, 11, 1),
        "building",
        "Better.",
        "Survey again.",
        "Keep going.",
        [],
        _user(a["teacher"]),
    )
    db.session.get(Action, a["action_id"]).status = "complete"
    db.session.flush()
    ids = [a["partnership_id"], b["partnership_id"]]
    figures = {f.id: f for f in programme.overview(ids, TODAY)}
    for pid in ids:
        f = figures[pid]
        assert f.trios_active == db.session.scalar(
            select(func.count()).select_from(Trio).where(Trio.partnership_id == pid, Trio.status == "active")
        )
        for status, n in f.actions.items():
            assert n == db.session.scalar(
                select(func.count())
                .select_from(Action)
                .where(Action.partnership_id == pid, Action.status == status)
            )
        assert f.schools == 2 and f.authorities == ["Falkirk", "Stirling"]
        assert f.report_title == "Autumn term report" and f.report_status == "draft"
        assert not f.quiet
    assert figures[a["partnership_id"]].lessons_this_term == 1
    assert figures[b["partnership_id"]].lessons_this_term == 0
    # Quiet after a chosen number of weeks with nothing happening.
    later = TODAY + timedelta(weeks=5)
    assert all(f.quiet for f in programme.overview(ids, later, 4))
    assert not any(f.quiet for f in programme.overview(ids, later, 6))
    # Self-evaluation: the first school moved from Starting to Building on its theme's QI.
    [moved] = programme.selfeval_movement(a["partnership_id"])
    assert (moved.schools, moved.up, moved.same, moved.down, moved.once) == (1, 1, 0, 0, 0)
    assert moved.from_levels == [("Starting the journey", 1)] and moved.to_levels == [
        ("Building on achievements", 1)
    ]
    [once] = programme.selfeval_movement(b["partnership_id"])
    assert once.once == 1 and once.up == 0
    # Coverage: the world's trios link to nothing, so every QI and priority is a gap until one does.
    gaps = programme.coverage_gaps(ids)
    before = sum(len(g.elements) for g in gaps)
    from workspace.frameworks import linking

    linking.set_links(a["partnership_id"], "trio", a["trio_id"], [a["element_id"]])
    after = sum(len(g.elements) for g in programme.coverage_gaps(ids))
    assert after == before - 1


def test_actions_by_priority_and_qi_count_each_action_once(app, ctx, world):
    from workspace.frameworks import linking
    from workspace.models import FrameworkElement

    a = world["a"]
    theme = db.session.scalar(select(FrameworkElement).where(FrameworkElement.parent_id == a["element_id"]))
    linking.set_links(a["partnership_id"], "action", a["action_id"], [a["element_id"], theme.id])
    [row] = programme.actions_by_element([a["partnership_id"]])
    assert row.element_id == a["element_id"] and row.counts["in_progress"] == 1 and row.total == 1


def test_the_network_table_says_what_the_picture_draws(app, make_client, world):
    a = world["a"]
    with app.app_context():
        graph = network.network([a["partnership_id"], world["b"]["partnership_id"]])
        assert len(graph.points) == 4 and len(graph.ties) == 2 and graph.ties_across == 2
        assert {(t.a.authority, t.b.authority) for t in graph.ties} == {("Falkirk", "Stirling")}
    member = make_client()
    member.sign_in(a["reviewer"])
    page = member.get(f"/p/{a['partnership_id']}/network")
    body = html(page)
    assert page.status_code == 200 and '<title id="network-title">' in body
    svg = body[body.index("<svg xmlns") : body.index("</svg>")]
    drawn_lines = re.findall(r"<line ", svg)
    drawn_points = re.findall(r"<g><title>(\d+): ([^<]+)</title>", svg)
    tables = body[body.index("</svg>") :]
    school_rows = re.findall(r"<tr><td>(\d+)</td><th scope=\"row\">([^<]+)</th>", tables)
    tie_rows = re.findall(r"<tr><th scope=\"row\">(\d+): ", tables)
    assert len(drawn_lines) == len(tie_rows) == 1
    assert [(n, name.split(",")[0]) for n, name in drawn_points] == school_rows
    fragment = html(member.get(f"/p/{a['partnership_id']}/network", htmx=True))
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment


def test_the_overview_workbook_holds_the_same_aggregates(app, make_client, world):
    a = world["a"]
    _officer_of(app, [a["partnership_id"], world["b"]["partnership_id"]])
    client = make_client()
    client.sign_in(OFFICER)
    page = client.get("/programme?quiet=6", htmx=True)
    assert page.status_code == 200 and 'id="programme-overview"' in html(page) and "<html" not in html(page)
    response = client.get("/programme/overview.xlsx?quiet=6")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == [
        "Partnerships",
        "Actions by priority and QI",
        "Self-evaluation movement",
        "Coverage gaps",
        "Network ties",
    ]
    rows = list(book["Partnerships"].iter_rows(values_only=True))
    assert rows[0][0] == "Partnership" and [r[0] for r in rows[1:]] == [
        "Partnership Alpha",
        "Partnership Beta",
    ]
    with app.app_context():
        expected = programme.overview([a["partnership_id"]], TODAY, 6)[0]
    assert rows[1][3] == expected.trios_active and rows[1][1] == expected.schools
    assert len(list(book["Network ties"].iter_rows(values_only=True))) == 1 + 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProgrammeGrant)) == 2


def test_the_command_line_grants_and_ends_an_officers_partnerships(app, world):
    with app.app_context():
        create_user(OFFICER, "Morag Officer", "correct horse battery staple")
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["programme-officer", OFFICER, "--partnership", "Partnership Beta"])
    assert result.exit_code == 0 and "follows 1 partnership: Partnership Beta" in result.output
    assert runner.invoke(args=["programme-officer", OFFICER, "--partnership", "Nowhere"]).exit_code != 0
    with app.app_context():
        officer = _user(OFFICER)
        assert programme.followed_ids(officer.id) == [world["b"]["partnership_id"]]
    assert runner.invoke(args=["programme-officer", OFFICER]).exit_code == 0
    with app.app_context():
        assert programme.followed_ids(_user(OFFICER).id) == []
