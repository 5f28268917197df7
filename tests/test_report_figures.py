"""The interim report's figures against the database: status as at the period's end, completions
by either route, QIs titled by their own framework, no action twice, exceptions, participation,
and nothing of another partnership."""

import io
from datetime import UTC, date, datetime

from docx import Document
from sqlalchemy import select

from tests.factories import set_action_status
from workspace.actions import services as actions
from workspace.extensions import db
from workspace.models import (
    ActionStatusChange,
    Framework,
    FrameworkElement,
    Partnership,
    ResearchLesson,
    Trio,
    User,
)
from workspace.reports import data, documents
from workspace.reports.docx_kit import to_bytes

OCT_1 = datetime(2026, 10, 1, 12, tzinfo=UTC)


def _qi(key, number):
    framework = db.session.scalar(
        select(Framework).where(Framework.key == key, Framework.is_current.is_(True))
    )
    return db.session.scalar(
        select(FrameworkElement).where(
            FrameworkElement.framework_id == framework.id,
            FrameworkElement.kind == "qi",
            FrameworkElement.number == number,
        )
    )


def _made_on(action, when):
    """As if the action had been made on `when`: its creation and first status both dated then."""
    action.created_at = action.updated_at = action.last_progress_at = when
    first = db.session.scalar(
        select(ActionStatusChange)
        .where(ActionStatusChange.action_id == action.id)
        .order_by(ActionStatusChange.id)
    )
    first.changed_at = when
    db.session.flush()


def _new_action(side, title, status="in_progress", links=(), due=None):
    partnership = db.session.get(Partnership, side["partnership_id"])
    lead = db.session.scalar(select(User).where(User.email == side["lead"]))
    action = actions.create_action(
        partnership, lead, title, "", side["school_ids"][0], lead.id, due, status, list(links)
    )
    _made_on(action, OCT_1)
    return partnership, lead, action


def test_status_is_as_at_the_period_end_after_a_direct_edit(app, world, frozen_clock):
    with app.app_context():
        partnership, lead, action = _new_action(world["a"], "Edited straight to on hold")
        set_action_status(action, "on_hold")  # 20 Nov 2026, without a progress update
        db.session.commit()
        before = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 10))
        after = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        status = {a.title: a.status for a in before.actions}
        assert status["Edited straight to on hold"] == "in_progress"
        assert {a.title: a.status for a in after.actions}["Edited straight to on hold"] == "on_hold"
        assert dict(before.figures)["On hold at the end of the period"] == "0"
        assert dict(after.figures)["On hold at the end of the period"] == "1"
        # "In progress" counts only what was in progress then.
        for report in (before, after):
            in_progress = [a.title for a in report.actions if a.status == "in_progress"]
            assert dict(report.figures)["In progress at the end of the period"] == str(len(in_progress))
        assert "Edited straight to on hold" not in [
            a.title for a in after.actions if a.status == "in_progress"
        ]


def test_completed_in_the_period_counts_every_route(app, world, frozen_clock):
    with app.app_context():
        partnership, lead, by_update = _new_action(world["a"], "Completed by a progress update")
        _, _, by_edit = _new_action(world["a"], "Completed by editing the action")
        _, _, before = _new_action(world["a"], "Completed before the period")
        frozen_clock.move_to(datetime(2026, 8, 10, 9, tzinfo=UTC))
        _made_on(before, datetime(2026, 7, 1, tzinfo=UTC))
        set_action_status(before, "complete")
        frozen_clock.move_to(datetime(2026, 10, 20, 9, tzinfo=UTC))
        actions.post_progress(by_update, lead, "All classes have walls.", "Exit tickets up.", "complete")
        set_action_status(by_edit, "complete")
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        titles = {a.title for a in report.actions}
        assert "Completed before the period" not in titles  # closed before it began
        assert {a.title for a in report.actions if a.completed_in_period} == {
            "Completed by a progress update",
            "Completed by editing the action",
        }
        assert dict(report.figures)["Completed in the period"] == "2"
        # A period that ends before both completions counts neither, and shows them in progress.
        early = data.interim(partnership, date(2026, 9, 1), date(2026, 10, 15))
        assert dict(early.figures)["Completed in the period"] == "0"
        assert {a.title: a.status for a in early.actions}["Completed by editing the action"] == "in_progress"


def test_qis_are_titled_and_grouped_by_their_own_framework(app, world):
    with app.app_context():
        stem, hgios4 = _qi("stem", "2.3"), _qi("hgios4", "2.3")
        assert stem.title != hgios4.title or stem.id != hgios4.id
        partnership, _, _ = _new_action(world["a"], "Linked to the STEM framework's 2.3", links=[stem.id])
        _new_action(world["a"], "Linked to HGIOS4's 2.3", links=[hgios4.id])
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        headings = {s.element.heading: s.actions for s in report.qis}
        assert headings == {
            f"QI 2.3 {stem.title} – STEM framework (2019)": 1,
            f"QI 2.3 {hgios4.title} – HGIOS4 (2015)": 1,
        }
        assert report.chart_categories == ["STEM 2.3", "HGIOS4 2.3"]
        credits = " ".join(report.credits)
        assert "STEM self-evaluation and improvement framework" in credits and "fourth edition" in credits
        assert "early learning and childcare" not in credits  # only frameworks actually quoted


def _body_text(document):
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = {cell._tc: cell for cell in row.cells}  # a cell across columns once
            texts.extend(cell.text for cell in cells.values())
    return texts


def test_no_action_appears_twice_and_nothing_of_another_partnership(app, world):
    with app.app_context():
        stem, hgios4 = _qi("stem", "2.3"), _qi("hgios4", "3.1")
        igbe = db.session.scalar(select(FrameworkElement).where(FrameworkElement.kind == "priority"))
        partnership, _, _ = _new_action(
            world["a"],
            "Linked three ways, overdue and stale",
            links=[stem.id, hgios4.id, igbe.id],
            due=date(2026, 10, 2),
        )
        _new_action(world["b"], "Beta's own action", links=[stem.id], due=date(2026, 10, 2))
        # Overdue, and with evidence of impact: listed once, under the evidence, with its flag.
        _, lead, with_evidence = _new_action(
            world["a"], "Overdue with evidence", links=[stem.id], due=date(2026, 10, 3)
        )
        actions.post_progress(with_evidence, lead, "Half done.", "Exit tickets up 20%.", None)
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        document = Document(io.BytesIO(to_bytes(documents.interim_report(report, "Lead Alpha"))))
        texts = _body_text(document)
        joined = " ".join(texts)
        for action in report.actions:
            assert sum(t.count(action.title) for t in texts) <= 1, action.title
        assert sum(t.count("Linked three ways, overdue and stale") for t in texts) == 1
        assert any(
            t.startswith("Overdue with evidence (Alpha Primary School, 20 Nov 2026; flagged: Overdue)")
            for t in texts
        )
        assert "Beta" not in joined
        flagged = next(a for a in report.exceptions if a.title == "Linked three ways, overdue and stale")
        assert flagged.marks == ["Overdue", "No update in 4 weeks"]
        assert all(a.title != "Beta's own action" for a in report.actions)


def test_exceptions_and_participation(app, world):
    with app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        lesson.lesson_date = date(2026, 10, 1)
        trio = db.session.get(Trio, world["a"]["trio_id"])
        trio.status = "active"
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        participation = dict(report.participation)
        assert participation == {
            "Schools and settings": "2",
            "Teachers involved": "2",
            "Lesson-study trios at work": "1",
            "Research lessons taught": "1",
            "Observations of case pupils": "1",
            "Pupil-voice notes": "1",
        }
        assert report.teachers_by_school == [("Alpha High School", 1), ("Alpha Primary School", 1)]
        assert report.quiet_trios == []
        # A period with no lesson: the active trio is an exception.
        quiet = data.interim(partnership, date(2026, 11, 1), date(2026, 11, 30))
        assert quiet.quiet_trios == [trio.name]
        assert ("Trios with no lesson in the period", 1) in quiet.exception_counts
        # Members are listed with their schools.
        assert report.trios[0].members == [
            "Teacher Alpha (Alpha Primary School)",
            "Teacher2 Alpha (Alpha High School)",
        ]


def test_distance_travelled_keeps_each_scale_apart(app, world):
    from workspace.models import School
    from workspace.selfeval import services as selfeval

    with app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        school = db.session.get(School, world["a"]["school_ids"][0])
        stem = db.session.scalar(
            select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True))
        )
        theme = db.session.scalar(
            select(FrameworkElement)
            .where(FrameworkElement.framework_id == stem.id, FrameworkElement.kind == "theme")
            .order_by(FrameworkElement.id)
        )
        teacher = db.session.scalar(select(User).where(User.email == world["a"]["teacher"]))
        selfeval.record_evaluation(
            partnership,
            school,
            theme.id,
            date(2026, 11, 2),
            "building",
            "Better.",
            "Survey.",
            "Keep going.",
            [],
            teacher,
        )
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        assert [d.framework for d in report.distance] == ["STEM framework (2019)"]
        (row,) = report.distance[0].rows
        assert row[0] == "Alpha Primary School"
        assert row[2].startswith("Starting the journey") and row[3].startswith("Building on achievements")
        # Its titles and scale are the framework's wording: credited, though no action links to it.
        assert not report.qis and any("STEM self-evaluation" in credit for credit in report.credits)


def test_a_large_partnerships_body_is_compact(app, world, monkeypatch):
    """Past a handful of trios and evaluations, one row a trio and one row a school: the body of the
    large partnership's report stays near 40 pages (measured in the bench), the lists are in the workbook."""
    from workspace.reports import interim_layout, interim_sections

    with app.app_context():
        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        db.session.get(ResearchLesson, world["a"]["lesson_id"]).lesson_date = date(2026, 10, 1)
        db.session.commit()
        report = data.interim(partnership, date(2026, 8, 1), date(2026, 11, 30))
        monkeypatch.setattr(interim_sections, "MANY_TRIOS", 0)
        monkeypatch.setattr(interim_sections, "MANY_EVALUATIONS", 0)
        blocks = interim_layout.layout(report, {f"trio:{world['a']['trio_id']}": "What we wrote."})
        tables = {b.headers[0]: b.rows for b in blocks if b.kind == "table"}
        trio = db.session.get(Trio, world["a"]["trio_id"])
        assert tables["Trio"] == [
            [
                trio.name,
                "Teacher Alpha (Alpha Primary School); Teacher2 Alpha (Alpha High School)",
                "1 (1 Oct 2026)",
                "What we wrote.",
            ]
        ]
        assert ["Alpha Primary School", "1", "0", "0", "0", "1"] in tables["School"]
        assert not any(b.kind == "heading" and b.text == trio.name for b in blocks)


def test_leads_star_the_evidence_the_report_shows(app, world, client, make_client):
    from tests.conftest import html
    from workspace.models import ProgressUpdate

    with app.app_context():
        partnership, lead, first = _new_action(world["a"], "First with evidence")
        _, _, second = _new_action(world["a"], "Second with evidence")
        early = actions.post_progress(first, lead, "Started.", "Pupils explain more.", None)
        actions.post_progress(first, lead, "Later.", "Exit tickets up.", None)
        actions.post_progress(second, lead, "Going.", "Girls lead groups.", None)
        db.session.commit()
        ids = (first.id, early.id)
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        assert {a.title: a.evidence for a in report.evidence} == {
            "First with evidence": "Exit tickets up.",
            "Second with evidence": "Girls lead groups.",
        }
    base = f"/p/{world['a']['partnership_id']}/actions/{ids[0]}/progress/{ids[1]}/star"
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    assert teacher.post(base, data={"starred": "1"}).status_code == 403
    client.sign_in(world["a"]["lead"])
    response = client.post(base, data={"starred": "1"}, htmx=True)
    assert response.status_code == 200 and "Starred for the interim report" in html(response)
    assert html(response).lstrip().startswith('<section id="progress"')
    other = f"/p/{world['a']['partnership_id']}/actions/{world['a']['action_id']}/progress/{ids[1]}/star"
    assert client.post(other, data={"starred": "1"}).status_code == 404  # not this action's update
    with app.app_context():
        assert db.session.get(ProgressUpdate, ids[1]).is_highlight
        report = data.interim(
            db.session.get(Partnership, world["a"]["partnership_id"]), date(2026, 9, 1), date(2026, 11, 30)
        )
        # Once a lead stars any, the report shows what was starred.
        assert [(a.title, a.evidence) for a in report.evidence] == [
            ("First with evidence", "Pupils explain more.")
        ]
    assert client.post(base, data={"starred": "0"}).status_code == 303


def _rows_after(document, first_header, row_start):
    """The rows of the table headed `first_header` from the row whose first cell starts with `row_start`."""
    table = next(t for t in document.tables if t.rows[0].cells[0].text == first_header)
    rows = [list({c._tc: c.text for c in row.cells}.values()) for row in table.rows]
    at = next(i for i, row in enumerate(rows) if row[0].startswith(row_start))
    return rows[at:]


def test_starred_evidence_is_under_its_first_priority_or_qi_once_and_referred_to_elsewhere(app, world):
    with app.app_context():
        stem, hgios4 = _qi("stem", "2.3"), _qi("hgios4", "3.1")
        igbe = db.session.scalar(
            select(FrameworkElement)
            .where(FrameworkElement.kind == "priority")
            .order_by(FrameworkElement.position)
        )
        partnership, lead, three_ways = _new_action(
            world["a"], "Linked to two QIs and a priority", links=[stem.id, hgios4.id, igbe.id]
        )
        _, _, stem_only = _new_action(world["a"], "Linked to the STEM QI only", links=[stem.id])
        _, _, not_starred = _new_action(world["a"], "Evidence nobody starred", links=[stem.id])
        actions.star(
            actions.post_progress(three_ways, lead, "Going.", "Pupils plan investigations.", None), True
        )
        actions.star(actions.post_progress(stem_only, lead, "Going.", "Girls lead the groups.", None), True)
        actions.post_progress(not_starred, lead, "Going.", "Unstarred evidence.", None)
        db.session.commit()
        report = data.interim(partnership, date(2026, 9, 1), date(2026, 11, 30))
        document = Document(io.BytesIO(to_bytes(documents.interim_report(report, "Lead Alpha"))))
        texts = _body_text(document)
        assert sum(t.count("Pupils plan investigations.") for t in texts) == 1
        assert not any("Unstarred evidence." in t for t in texts)  # the leads starred some
        for action in report.actions:
            assert sum(t.count(action.title) for t in texts) <= 1, action.title
        # In full under the IGBE priority's summary row, naming the two QIs it also belongs to.
        priority = report.elements[igbe.id]
        summary, evidence = _rows_after(document, "IGBE priority", priority.heading)[:2]
        assert summary[1] == "1"
        assert evidence == [
            "Linked to two QIs and a priority (Alpha Primary School, 20 Nov 2026): Pupils plan investigations.\n"
            "Also linked to STEM framework QI 2.3 and HGIOS4 QI 3.1."
        ]
        # Under each QI: its own starred evidence, then one line saying where the rest is.
        stem_rows = _rows_after(document, "Quality indicator", report.elements[stem.id].heading)
        assert stem_rows[0][1] == "3"
        assert stem_rows[1] == [
            "Linked to the STEM QI only (Alpha Primary School, 20 Nov 2026): Girls lead the groups."
        ]
        cross_reference = [
            f"Evidence of impact of 1 more action linked here: see under IGBE priority {igbe.number}."
        ]
        assert stem_rows[2] == cross_reference
        hgios4_rows = _rows_after(document, "Quality indicator", report.elements[hgios4.id].heading)
        assert hgios4_rows[1] == cross_reference
        # The report page lays out the same blocks: one cell across the table, the prefix in bold.
        from flask import render_template

        from workspace.reports import interim_layout

        with app.test_request_context():
            page = render_template(
                "reports/_document.html", blocks=interim_layout.layout(report), contents=[], report=None
            )
        assert page.count("Pupils plan investigations.") == 1
        assert '<td colspan="6" class="preserve-lines"><strong>Linked to two QIs and a priority (' in page
