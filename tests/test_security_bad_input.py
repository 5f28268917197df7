"""Bad input found by review: odd numbers, huge ids, control characters. Never a 500."""

import pytest
from sqlalchemy import select

from tests.conftest import html
from workspace.extensions import db
from workspace.models import Trio


@pytest.mark.parametrize(
    "path",
    [
        "/p/{pid}/trios/99999999999999999999999",
        "/p/99999999999999999999999/",
        "/p/{pid}/actions/?owner=99999999999999999999999&school=99999999999999999999999",
        "/p/{pid}/actions/?owner=%C2%B2&school=%C2%B2&page=%C2%B2",
        "/p/{pid}/self-evaluation/schools/{school}/new?element_id=%C2%B2",
        "/p/{pid}/trios/{trio}/lessons/{lesson}/observations/feed?since=%C2%B2",
        "/p/{pid}/activity?since=%C2%B2",
        "/p/{pid}/frameworks/picker?links=%C2%B2&add=99999999999999999999999",
    ],
)
def test_odd_numbers_are_never_a_server_error(client, world, path):
    client.sign_in(world["a"]["lead"])
    url = path.format(
        pid=world["a"]["partnership_id"],
        school=world["a"]["school_ids"][0],
        trio=world["a"]["trio_id"],
        lesson=world["a"]["lesson_id"],
    )
    for htmx in (False, True):
        assert client.get(url, htmx=htmx).status_code in (200, 204, 404)


def test_odd_version_and_row_counts_are_4xx(client, world):
    client.sign_in(world["a"]["teacher"])
    base = f"/p/{world['a']['partnership_id']}"
    trio = f"{base}/trios/{world['a']['trio_id']}"
    assert (
        client.post(
            f"{trio}/edit", data={"name": "x", "focus": "y", "status": "active", "version": "abc"}
        ).status_code
        < 500
    )
    assert (
        client.post(
            f"{trio}/lessons/{world['a']['lesson_id']}/plan",
            data={"version": "1", "stage_rows": "x", "pupil_rows": "²"},
        ).status_code
        < 500
    )
    assert (
        client.post(
            f"{base}/actions/{world['a']['action_id']}/edit", data={"title": "t", "version": "²"}
        ).status_code
        < 500
    )


def test_a_plan_without_rows_cannot_wipe_observations(client, world, app):
    """Rows missing from a submitted plan are not a licence to delete pupils with observations."""
    client.sign_in(world["a"]["lead"])
    lesson = (
        f"/p/{world['a']['partnership_id']}/trios/{world['a']['trio_id']}/lessons/{world['a']['lesson_id']}"
    )
    from workspace.models import Observation, ResearchLesson

    with app.app_context():
        version = db.session.get(ResearchLesson, world["a"]["lesson_id"]).version
    response = client.post(
        f"{lesson}/plan", data={"version": str(version), "stage_rows": "0", "pupil_rows": "0"}
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Observation, world["a"]["observation_id"]) is not None


def test_control_characters_in_names_do_not_break_exports(client, world, app):
    with app.app_context():
        db.session.get(Trio, world["a"]["trio_id"]).name = "Fractions\x0b trio\x07"
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    response = client.post(f"/p/{world['a']['partnership_id']}/reports/trios/{world['a']['trio_id']}")
    assert response.status_code == 200


def test_removed_members_leave_their_trios(client, world, app):
    client.sign_in(world["a"]["lead"])
    base = f"/p/{world['a']['partnership_id']}/members/{world['a']['other_teacher_membership_id']}/remove"
    assert client.post(base).status_code == 303
    with app.app_context():
        trio = db.session.get(Trio, world["a"]["trio_id"])
        assert [m.user.email for m in trio.members] == [world["a"]["teacher"]]


def test_a_school_with_records_is_kept(client, world, app):
    client.sign_in(world["a"]["lead"])
    school = world["a"]["school_ids"][0]  # has a lesson, an action and a self-evaluation
    # Move the teacher away first, so that only the records hold it.
    from workspace.models import Membership, School

    with app.app_context():
        db.session.get(Membership, world["a"]["teacher_membership_id"]).school_id = world["a"]["school_ids"][
            1
        ]
        for invite in db.session.scalars(select(__import__("workspace").models.Invite)):
            invite.revoked_at = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
        db.session.commit()
    response = client.post(f"/p/{world['a']['partnership_id']}/schools/{school}/remove")
    assert response.status_code == 422 and "research lessons" in html(response)
    with app.app_context():
        assert db.session.get(School, school) is not None


def test_cited_evidence_never_shows_another_partnerships_record(client, world, app):
    """A deleted observation's id may be used again, in another partnership: the citation goes with it."""
    from workspace.models import SelfEvaluationEvidence

    client.sign_in(world["a"]["teacher"])
    pid = world["a"]["partnership_id"]
    with app.app_context():
        from workspace.models import SelfEvaluation

        evaluation = db.session.get(SelfEvaluation, world["a"]["evaluation_id"])
        db.session.add(
            SelfEvaluationEvidence(
                partnership_id=pid,
                self_evaluation_id=evaluation.id,
                evidence_type="observation",
                evidence_id=world["a"]["observation_id"],
            )
        )
        db.session.commit()
    lesson = f"/p/{pid}/trios/{world['a']['trio_id']}/lessons/{world['a']['lesson_id']}"
    assert client.post(f"{lesson}/observations/{world['a']['observation_id']}/delete").status_code == 303
    with app.app_context():
        assert (
            db.session.scalar(
                select(SelfEvaluationEvidence).where(
                    SelfEvaluationEvidence.evidence_type == "observation",
                    SelfEvaluationEvidence.evidence_id == world["a"]["observation_id"],
                )
            )
            is None
        )
        # And even a citation of another partnership's record is never shown.
        db.session.add(
            SelfEvaluationEvidence(
                partnership_id=pid,
                self_evaluation_id=world["a"]["evaluation_id"],
                evidence_type="observation",
                evidence_id=world["b"]["observation_id"],
            )
        )
        db.session.commit()
    page = html(client.get(f"/p/{pid}/self-evaluation/{world['a']['evaluation_id']}"))
    assert "Counted on fingers" not in page


def test_control_characters_are_dropped_from_every_form_and_query(client, world, app):
    client.sign_in(world["a"]["lead"])
    response = client.post(
        f"/p/{world['a']['partnership_id']}/schools",
        data={"name": "Nul\x00 and bell\x07 School", "sector": "primary", "local_authority": "Fife"},
    )
    assert response.status_code == 303
    from workspace.models import School

    with app.app_context():
        assert db.session.scalar(select(School.name).where(School.name.like("Nul%"))) == "Nul and bell School"
    assert (
        client.get(f"/p/{world['a']['partnership_id']}/frameworks/search?q=%00%07gender").status_code == 200
    )
