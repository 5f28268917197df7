"""The dashboard's remembered results: every change the results would show moves the partnership's
actions version on in the same transaction, so a remembered page is never shown after a change;
one partnership's pages are never another's; and the memory can be turned off."""

from sqlalchemy import insert, select, update

from tests.conftest import html
from workspace.actions import results_cache, services
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Action, Partnership, ResearchLesson, School, User
from workspace.models.base import utcnow
from workspace.partnerships.services import update_school
from workspace.trios import observing


def versions(app, world):
    with app.app_context():
        return {
            side: db.session.scalar(
                select(Partnership.actions_version).where(Partnership.id == world[side]["partnership_id"])
            )
            for side in ("a", "b")
        }


def changes_only_a(app, world, change):
    before = versions(app, world)
    with app.app_context():
        change()
        db.session.commit()
    after = versions(app, world)
    return after["a"] != before["a"] and after["b"] == before["b"]


def test_every_change_the_results_show_moves_the_version_on(app, world):
    a = world["a"]

    def action():
        return db.session.get(Action, a["action_id"])

    def lead():
        return db.session.scalar(select(User).where(User.email == a["lead"]))

    def create():
        services.create_action(
            db.session.get(Partnership, a["partnership_id"]),
            lead(),
            "New action",
            "",
            None,
            lead().id,
            None,
            "not_started",
            [],
        )

    def edit():
        found = action()
        services.update_action(
            found,
            found.version,
            "Renamed",
            "",
            found.school_id,
            found.owner_id,
            found.due_date,
            found.status,
            [],
        )

    def progress():
        services.post_progress(action(), lead(), "Moved on", "", "complete")

    def link():
        linking.set_links(a["partnership_id"], "action", a["action_id"], [a["element_id"]])

    def unlink():
        linking.set_links(a["partnership_id"], "action", a["action_id"], [])

    def rename_school():
        school = db.session.get(School, a["school_ids"][0])
        update_school(school, "Renamed Primary", school.sector, school.local_authority)

    def rename_owner():
        owner = db.session.get(User, action().owner_id)
        owner.name = "Someone Else"

    for change in (create, edit, progress, link, unlink, rename_school, rename_owner):
        assert changes_only_a(app, world, change), change.__name__


def test_changes_the_results_do_not_show_leave_the_version(app, world):
    a = world["a"]
    before = versions(app, world)
    with app.app_context():
        teacher = db.session.scalar(select(User.id).where(User.email == a["teacher"]))
        lesson = db.session.get(ResearchLesson, a["lesson_id"])
        observing.record_observation(
            lesson, teacher, observing.ObservationInput(a["pupil_ids"][0], None, "Counted on", None, [])
        )
        db.session.commit()
    assert versions(app, world) == before


def test_bulk_statements_move_every_version_on(app, world):
    before = versions(app, world)
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(Action),
            [
                {
                    "partnership_id": world["b"]["partnership_id"],
                    "title": "Bulk",
                    "description": "",
                    "status": "not_started",
                    "created_at": now,
                    "updated_at": now,
                    "last_progress_at": now,
                    "version": 1,
                }
            ],
        )
        db.session.commit()
    after = versions(app, world)
    assert after["a"] != before["a"] and after["b"] != before["b"]


def test_a_change_shows_at_once(client, make_client, world, app):
    client.sign_in(world["a"]["lead"])
    url = f"/p/{world['a']['partnership_id']}/actions/?sort=title"
    first = html(client.get(url, htmx=True))
    assert html(client.get(url, htmx=True)) == first  # remembered
    teacher = make_client()
    teacher.sign_in(world["a"]["teacher"])
    aid = world["a"]["action_id"]
    assert (
        teacher.post(
            f"/p/{world['a']['partnership_id']}/actions/{aid}/progress",
            data={"text": "Half the classes use it", "status_to": "on_hold"},
        ).status_code
        == 303
    )
    after = html(client.get(url, htmx=True))
    assert after != first and "On hold" in after


def test_one_partnerships_results_are_never_anothers(client, make_client, world, app):
    with app.app_context():
        db.session.get(Action, world["b"]["action_id"]).title = "Action of Beta alone"
        db.session.commit()
        # The same version in both partnerships: only the partnership tells their results apart.
        db.session.execute(Partnership.__table__.update().values(actions_version=7))
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    a_results = html(client.get(f"/p/{world['a']['partnership_id']}/actions/", htmx=True))
    other = make_client()
    other.sign_in(world["b"]["lead"])
    b_results = html(other.get(f"/p/{world['b']['partnership_id']}/actions/", htmx=True))
    with app.app_context():
        a_title = db.session.get(Action, world["a"]["action_id"]).title
        b_title = db.session.get(Action, world["b"]["action_id"]).title
    assert a_title != b_title
    assert a_title in a_results and a_title not in b_results and b_title in b_results


def test_entries_expire_and_the_memory_can_be_off(client, world, app, monkeypatch):
    client.sign_in(world["a"]["lead"])
    url = f"/p/{world['a']['partnership_id']}/actions/"
    renders = []
    real = results_cache.results

    def counting(*args, **kwargs):
        render = args[4]
        return real(*args[:4], lambda: renders.append(1) or render(), *args[5:], **kwargs)

    monkeypatch.setattr(results_cache, "results", counting)
    clock = [1000.0]
    monkeypatch.setattr(results_cache.time, "monotonic", lambda: clock[0])
    client.get(url, htmx=True)
    client.get(url, htmx=True)
    assert len(renders) == 1
    clock[0] += app.config["DASHBOARD_CACHE_SECONDS"] + 1
    client.get(url, htmx=True)
    assert len(renders) == 2
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)
    client.get(url, htmx=True)
    client.get(url, htmx=True)
    assert len(renders) == 4


def test_deleting_an_observation_leaves_every_version(client, world, app):
    a = world["a"]
    with app.app_context():  # the observation has links, so deleting it removes them in bulk
        linking.set_links(a["partnership_id"], "observation", a["observation_id"], [a["element_id"]])
        db.session.commit()
    before = versions(app, world)
    client.sign_in(a["teacher"])
    response = client.post(
        f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}"
        f"/observations/{a['observation_id']}/delete",
        data={},
    )
    assert response.status_code == 303
    assert versions(app, world) == before


def test_a_page_rendered_from_an_older_snapshot_is_not_filed_under_a_newer_version(
    client, world, app, monkeypatch
):
    """A change committed just after the access check has read the partnership's version (on
    SQLite the request's snapshot may be older still) must not leave the old rows remembered under
    the new version."""
    from workspace import access

    a = world["a"]
    client.sign_in(a["lead"])
    url = f"/p/{a['partnership_id']}/actions/?sort=title"
    real = access._resolve
    changed = []

    def someone_changes_an_action_meanwhile(*args, **kwargs):
        found = real(*args, **kwargs)
        if not changed:
            changed.append(1)
            with db.engine.begin() as other:
                other.execute(
                    update(Action)
                    .where(Action.id == a["action_id"])
                    .values(title="Renamed by someone else", updated_at=utcnow())
                )
                other.execute(
                    update(Partnership)
                    .where(Partnership.id == a["partnership_id"])
                    .values(actions_version=Partnership.actions_version + 1)
                )
        return found

    monkeypatch.setattr(access, "_resolve", someone_changes_an_action_meanwhile)
    client.get(url, htmx=True)
    monkeypatch.setattr(access, "_resolve", real)
    assert "Renamed by someone else" in html(client.get(url, htmx=True))
