"""A lesson's feed version (trios/feed_changes.py): every change the observation feed would show
moves it on in the same transaction, only for the lesson concerned, and leaves the lesson's own
"last changed" alone. The observation poll answers 204 by this one number."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from workspace.extensions import commit_keeping_loaded, db
from workspace.models import CasePupil, LessonStage, Observation, Partnership, ResearchLesson, User
from workspace.models.base import utcnow
from workspace.privacy import services as privacy
from workspace.services_errors import ServiceError
from workspace.trios import observing


def versions(app, world):
    with app.app_context():
        return {
            side: db.session.execute(
                select(ResearchLesson.feed_version, ResearchLesson.updated_at).where(
                    ResearchLesson.id == world[side]["lesson_id"]
                )
            ).one()
            for side in ("a", "b")
        }


def moves_only_a(app, world, change) -> bool:
    before = versions(app, world)
    with app.app_context():
        change()
        db.session.commit()
    after = versions(app, world)
    assert after["a"].updated_at == before["a"].updated_at  # the plan's "last changed" stays the plan's
    return after["a"].feed_version != before["a"].feed_version and after["b"] == before["b"]


def _observer(world):
    return db.session.scalar(select(User.id).where(User.email == world["a"]["teacher"]))


def _post(world):
    a = world["a"]
    lesson = db.session.get(ResearchLesson, a["lesson_id"])
    observing.record_observation(
        lesson,
        _observer(world),
        observing.ObservationInput(a["pupil_ids"][0], a["stage_ids"][0], "Counted on her fingers", 3, []),
    )


def _edit(world):
    a = world["a"]
    found = db.session.get(Observation, a["observation_id"])
    observing.update_observation(
        found,
        db.session.get(ResearchLesson, a["lesson_id"]),
        observing.ObservationInput(found.case_pupil_id, found.stage_id, "Edited text", 4, []),
        found.version,
    )


def _retag(world):
    """The same text, pupil, stage and score, with other tags: not an edit, but the feed shows it."""
    a = world["a"]
    found = db.session.get(Observation, a["observation_id"])
    observing.update_observation(
        found,
        db.session.get(ResearchLesson, a["lesson_id"]),
        observing.ObservationInput(
            found.case_pupil_id, found.stage_id, found.text, found.leuven_score, [a["element_id"]]
        ),
        found.version,
    )


def _highlight(world):
    observing.set_highlight(db.session.get(Observation, world["a"]["observation_id"]), True)


def _delete(world):
    observing.delete_observation(db.session.get(Observation, world["a"]["observation_id"]))


def _rename_pupil(world):
    db.session.get(CasePupil, world["a"]["pupil_ids"][0]).label = "Z"


def _retitle_stage(world):
    db.session.get(LessonStage, world["a"]["stage_ids"][0]).title = "Plenary, renamed"


def _remove_pupil(world):
    db.session.delete(db.session.get(CasePupil, world["a"]["pupil_ids"][-1]))


def _purge(world):
    a = world["a"]
    old = utcnow() - timedelta(days=400)
    db.session.execute(
        update(Observation)
        .where(Observation.id == a["observation_id"])
        .values(created_at=old, updated_at=old)
    )
    db.session.commit()
    partnership = db.session.get(Partnership, a["partnership_id"])
    partnership.retention_days = 365
    assert privacy.purge(partnership).observations == 1


def _rename_observer(world):
    db.session.scalar(select(User).where(User.email == world["a"]["teacher"])).name = "Teacher Alpha, renamed"


def _bulk_insert(world):
    a = world["a"]
    now = utcnow()
    db.session.execute(
        insert(Observation),
        [
            {
                "partnership_id": a["partnership_id"],
                "lesson_id": a["lesson_id"],
                "case_pupil_id": a["pupil_ids"][0],
                "text": "Generated",
                "created_at": now,
                "updated_at": now,
            }
        ],
    )


def _bulk_delete(world):
    db.session.execute(delete(Observation).where(Observation.lesson_id == world["a"]["lesson_id"]))


@pytest.mark.parametrize(
    "change",
    [
        _post,
        _edit,
        _retag,
        _highlight,
        _delete,
        _rename_pupil,
        _retitle_stage,
        _remove_pupil,
        _purge,
        _rename_observer,
        _bulk_insert,
        _bulk_delete,
    ],
)
def test_every_change_the_feed_shows_moves_that_lessons_version_on(app, world, change):
    assert moves_only_a(app, world, lambda: change(world))


def test_a_change_rolled_back_moves_nothing_on_and_is_not_carried_into_the_next_flush(app, world):
    before = versions(app, world)
    with app.app_context():
        db.session.get(Observation, world["a"]["observation_id"]).text = "Never saved"
        db.session.flush()
        db.session.rollback()
        # The next flush of the same session touches another lesson only.
        db.session.get(Observation, world["b"]["observation_id"]).text = "Saved in B"
        db.session.commit()
    after = versions(app, world)
    assert after["a"] == before["a"] and after["b"].feed_version != before["b"].feed_version


def test_the_poll_answers_by_the_version_whatever_the_feed_holds(client, world, app):
    a = world["a"]
    base = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations/feed"
    client.sign_in(a["teacher"])
    since = (
        client.get(f"{base}?since=x", htmx=True).get_data(as_text=True).split("since=", 1)[1].split('"', 1)[0]
    )
    assert since.startswith("v") and client.get(f"{base}?since={since}", htmx=True).status_code == 204
    with app.app_context():
        _highlight(world)
        db.session.commit()
    changed = client.get(f"{base}?since={since}", htmx=True)
    assert changed.status_code == 200 and "entry--highlight" in changed.get_data(as_text=True)


def test_a_post_moves_the_version_and_a_pupil_removed_meanwhile_is_refused(app, world):
    """record_observation, as the post saves: the version moves with it; a pupil removed between
    reading the lesson and saving is a clear error."""
    a = world["a"]
    before = versions(app, world)
    with app.app_context():
        observer = _observer(world)
        lesson = db.session.get(ResearchLesson, a["lesson_id"])
        new_id = observing.record_observation(
            lesson,
            observer,
            observing.ObservationInput(a["pupil_ids"][0], a["stage_ids"][0], "Saved at once", 2, []),
        ).id
        db.session.commit()
        db.session.remove()
        assert db.session.get(Observation, new_id).text == "Saved at once"
        after = versions(app, world)
        assert after["a"].feed_version != before["a"].feed_version and after["b"] == before["b"]
        lesson = db.session.get(ResearchLesson, a["lesson_id"])
        assert len(lesson.case_pupils) == len(a["pupil_ids"])  # the plan as this request read it
        commit_keeping_loaded()
        with db.engine.begin() as other_tablet:  # a plan save meanwhile removes a pupil
            other_tablet.execute(delete(Observation).where(Observation.case_pupil_id == a["pupil_ids"][-1]))
            other_tablet.execute(delete(CasePupil).where(CasePupil.id == a["pupil_ids"][-1]))
        with pytest.raises(ServiceError, match="plan has just changed"):
            observing.record_observation(
                lesson, observer, observing.ObservationInput(a["pupil_ids"][-1], None, "Too late", None, [])
            )
        db.session.rollback()
