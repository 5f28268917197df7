"""Data protection: retention and purge, archiving, deleting a partnership with nothing orphaned,
and exports for subject access requests."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from tests.conftest import html
from workspace.extensions import db
from workspace.models import (
    Observation,
    Partnership,
    PupilVoice,
    ResearchLesson,
    User,
)


def data_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/data"


def make_admin(app, email):
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).is_admin = True
        db.session.commit()


def test_only_leads_reach_the_data_page(client, make_client, world):
    client.sign_in(world["a"]["lead"])
    page = client.get(f"{data_url(world)}/")
    assert page.status_code == 200 and "How long pupil records are kept" in html(page)
    assert html(client.get(f"{data_url(world)}/", htmx=True)).lstrip().startswith('<div id="data-protection"')
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    assert teacher.get(f"{data_url(world)}/").status_code == 403
    assert teacher.post(f"{data_url(world)}/export").status_code == 403


def test_retention_and_purge(client, world, app):
    client.sign_in(world["a"]["lead"])
    assert client.post(f"{data_url(world)}/retention", data={"retention_days": "42"}).status_code == 422
    assert client.post(f"{data_url(world)}/retention", data={"retention_days": "365"}).status_code == 303
    old = datetime.now(UTC) - timedelta(days=400)
    with app.app_context():
        observation = db.session.get(Observation, world["a"]["observation_id"])
        observation.created_at = observation.updated_at = old
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        lesson.lesson_date = old.date()
        lesson.discussion_learned = "An old discussion"
        db.session.get(PupilVoice, world["a"]["note_id"]).created_at = old
        # A recent observation in the same lesson is kept.
        db.session.add(
            Observation(
                partnership_id=lesson.partnership_id,
                lesson_id=lesson.id,
                case_pupil_id=world["a"]["pupil_ids"][1],
                text="Recent",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        # Partnership B keeps everything (no retention period).
        db.session.get(Observation, world["b"]["observation_id"]).created_at = old
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "would erase 1 observations, 1 pupil-voice notes and 1 discussions" in dry.output
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Observation, world["a"]["observation_id"]) is None
        assert db.session.get(PupilVoice, world["a"]["note_id"]) is None
        assert db.session.scalar(select(Observation.text).where(Observation.text == "Recent")) == "Recent"
        assert db.session.get(ResearchLesson, world["a"]["lesson_id"]).discussion_learned == ""
        assert db.session.get(Observation, world["b"]["observation_id"]) is not None


def test_purge_erases_sign_in_throttle_counts_whose_window_has_passed(client, world, app, frozen_clock):
    from workspace.models import SignInThrottle

    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    client.post("/sign-in", data={"email": "someone@example.org", "password": "a wrong guess"})
    frozen_clock.shift(window + timedelta(seconds=1))
    client.post("/sign-in", data={"email": "another@example.org", "password": "a wrong guess"})

    def keys():
        with app.app_context():
            return sorted(db.session.scalars(select(SignInThrottle.key)))

    assert keys() == ["account:another@example.org", "account:someone@example.org", "address:127.0.0.1"]
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "Sign-in throttle: would erase 1 counts whose window has passed" in dry.output
    assert len(keys()) == 3
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Sign-in throttle: erased 1 counts" in result.output
    # The address's window began again with the second attempt: it is still counting.
    assert keys() == ["account:another@example.org", "address:127.0.0.1"]


def test_archived_partnerships_are_read_only(client, world, app):
    make_admin(app, world["a"]["lead"])
    client.sign_in(world["a"]["lead"])
    assert client.post(f"{data_url(world)}/archive", data={"archive": "1"}).status_code == 303
    base = f"/p/{world['a']['partnership_id']}"
    assert client.get(f"{base}/schools").status_code == 200
    assert "archived" in html(client.get(f"{base}/"))
    assert (
        client.post(
            f"{base}/schools", data={"name": "New", "sector": "primary", "local_authority": "Fife"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"{base}/actions/{world['a']['action_id']}/progress", data={"text": "x"}).status_code
        == 403
    )
    assert client.post(f"{data_url(world)}/export").status_code == 200  # exports still work
    assert client.post(f"{data_url(world)}/archive", data={"archive": "0"}).status_code == 303
    assert (
        client.post(
            f"{base}/schools", data={"name": "New", "sector": "primary", "local_authority": "Fife"}
        ).status_code
        == 303
    )


def test_deleting_a_partnership_leaves_nothing_behind(client, world, app):
    make_admin(app, world["a"]["lead"])
    client.sign_in(world["a"]["lead"])
    pid = world["a"]["partnership_id"]
    assert client.get(f"{data_url(world)}/delete").status_code == 200
    wrong = client.post(f"{data_url(world)}/delete", data={"confirm_name": "Partnership Something"})
    assert wrong.status_code == 422 and "Type the partnership" in html(wrong)
    response = client.post(f"{data_url(world)}/delete", data={"confirm_name": "Partnership Alpha"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Partnership, pid) is None
        for table in db.metadata.sorted_tables:
            if "partnership_id" in table.c:
                left = db.session.scalar(
                    select(func.count()).select_from(table).where(table.c.partnership_id == pid)
                )
                assert left == 0, table.name
        # Nothing orphaned: every child row still has its parent.
        orphans = {
            "case_pupil": "SELECT count(*) FROM case_pupil WHERE lesson_id NOT IN (SELECT id FROM research_lesson)",
            "lesson_stage": "SELECT count(*) FROM lesson_stage WHERE lesson_id NOT IN (SELECT id FROM research_lesson)",
            "prediction": "SELECT count(*) FROM prediction WHERE case_pupil_id NOT IN (SELECT id FROM case_pupil)",
            "trio_member": "SELECT count(*) FROM trio_member WHERE trio_id NOT IN (SELECT id FROM trio)",
            "self_evaluation_evidence": "SELECT count(*) FROM self_evaluation_evidence WHERE self_evaluation_id NOT IN (SELECT id FROM self_evaluation)",
        }
        for name, query in orphans.items():
            assert db.session.scalar(text(query)) == 0, name
        # Partnership B is untouched; accounts stay.
        assert db.session.get(Partnership, world["b"]["partnership_id"]) is not None
        assert db.session.scalar(select(User).where(User.email == world["a"]["teacher"])) is not None


def test_exports_for_subject_access(client, world, app):
    client.sign_in(world["a"]["lead"])
    response = client.post(f"{data_url(world)}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    observations = json.loads(archive.read("observation.json"))
    assert [o["id"] for o in observations] == [world["a"]["observation_id"]]
    users = json.loads(archive.read("user_account.json"))
    assert all("password_hash" not in u for u in users) and world["b"]["lead"] not in {
        u["email"] for u in users
    }
    one = client.post(
        f"{data_url(world)}/case-pupil", data={"trio_id": str(world["a"]["trio_id"]), "label": "A"}
    )
    record = zipfile.ZipFile(io.BytesIO(one.data))
    assert [o["text"] for o in json.loads(record.read("observation.json"))] == [
        "Counted on fingers, then used the fraction wall."
    ]
    assert json.loads(record.read("pupil_voice.json"))[0]["response"] == "The wall."
    assert (
        client.post(
            f"{data_url(world)}/case-pupil", data={"trio_id": str(world["a"]["trio_id"]), "label": "Z"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{data_url(world)}/case-pupil", data={"trio_id": str(world["b"]["trio_id"]), "label": "A"}
        ).status_code
        == 404
    )
