"""Each note saved exactly once: a tablet's outbox sends a note again when its answer was lost,
and the server answers a repeat with the entry it already stored, also when the repeats arrive at
the same moment; the entry's time is when Save was pressed, within bounds."""

import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.test_concurrency import Browser
from tests.test_lessons import lesson_url
from tests.test_observing import observation
from workspace.extensions import db
from workspace.models import Observation, PupilVoice, ResearchLesson
from workspace.models.base import utcnow
from workspace.services_errors import ServiceError
from workspace.templating import SCOTLAND
from workspace.trios import observing


def _note(world, text, **extra):
    a = world["a"]
    return observing.ObservationInput(a["pupil_ids"][0], a["stage_ids"][0], text, 3, [], **extra)


def _count(client_id) -> int:
    return db.session.scalar(select(func.count(Observation.id)).where(Observation.client_id == client_id))


def test_a_repeat_is_answered_with_the_entry_stored(app, world):
    a, note_id = world["a"], str(uuid.uuid4())
    with app.app_context():
        lesson = db.session.get(ResearchLesson, a["lesson_id"])
        observer = db.session.scalar(
            select(Observation.observer_id).where(Observation.id == a["observation_id"])
        )
        first = observing.record_observation(lesson, observer, _note(world, "Once", client_id=note_id)).id
        db.session.commit()
        again = observing.record_observation(
            lesson, observer, _note(world, "Once, resent", client_id=note_id)
        )
        assert again.id == first and again.text == "Once"
        db.session.commit()
        assert _count(note_id) == 1
        # A note id is the tablet's own: another observer sending it is not given that entry.
        colleague = observer + 1 if observer == 1 else observer - 1
        try:
            observing.record_observation(lesson, colleague, _note(world, "Copied id", client_id=note_id))
            raise AssertionError("another observer's repeat was accepted")
        except ServiceError as error:
            assert "another observer" in error.message
        db.session.rollback()
        # Anything that is not a UUID is not a note id: the server makes one.
        made = observing.record_observation(lesson, observer, _note(world, "No id", client_id="x' OR 1"))
        assert uuid.UUID(made.client_id)


def test_the_entry_is_timed_when_save_was_pressed_within_bounds(app, world):
    with app.app_context():
        lesson = db.session.get(ResearchLesson, world["a"]["lesson_id"])
        now = utcnow()
        lesson.lesson_date = now.astimezone(SCOTLAND).date()
        day_began = now.astimezone(SCOTLAND).replace(hour=0, minute=0, second=0, microsecond=0)
        taken = now - timedelta(minutes=20)
        assert observing.taken_time(lesson, taken, now) == taken  # waited 20 minutes offline
        assert observing.taken_time(lesson, now + timedelta(seconds=50), now) == now + timedelta(seconds=50)
        assert observing.taken_time(lesson, now + timedelta(minutes=5), now) == now  # a clock far ahead
        assert observing.taken_time(lesson, day_began - timedelta(minutes=1), now) == now  # before the day
        assert observing.taken_time(lesson, None, now) == now
        db.session.rollback()


def test_the_post_keeps_both_times_and_a_resend_stores_nothing_more(client, world, app):
    client.sign_in(world["a"]["teacher"])
    note_id = str(uuid.uuid4())
    pressed = (utcnow() - timedelta(minutes=3)).isoformat()
    payload = observation(world, "Sent twice", client_id=note_id, taken_at=pressed.replace("+00:00", "Z"))
    first = client.post(f"{lesson_url(world)}/observations", data=payload, htmx=True)
    second = client.post(f"{lesson_url(world)}/observations", data=payload, htmx=True)
    assert first.status_code == second.status_code == 201
    assert first.headers["X-Observation-Id"] == second.headers["X-Observation-Id"]
    # The fresh form offers a new note id for the next note.
    assert note_id not in first.get_data(as_text=True)
    with app.app_context():
        assert _count(note_id) == 1
        entry = db.session.scalar(select(Observation).where(Observation.client_id == note_id))
        assert entry.created_at.isoformat() == pressed and entry.created_at == entry.updated_at
        assert entry.received_at - entry.created_at >= timedelta(minutes=3)


class _Tablet(Browser):
    def post_note(self, path, data):
        request = urllib.request.Request(
            self.base + path,
            urllib.parse.urlencode(data).encode(),
            headers={"X-CSRFToken": self.csrf, "HX-Request": "true"},
        )
        try:
            with self.opener.open(request) as response:
                return response.status, response.headers.get("X-Observation-Id")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")[:300]


def test_repeats_arriving_at_the_same_moment_store_one_entry(app, world):
    """Three tabs of one tablet send each note at once, through a threaded server: every answer
    is the same entry, and the lesson holds one row per note (SQLite and PostgreSQL)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    a = world["a"]
    path = f"/p/{a['partnership_id']}/trios/{a['trio_id']}/lessons/{a['lesson_id']}/observations"
    tablets = [_Tablet(f"http://127.0.0.1:{server.server_port}") for _ in range(3)]
    try:
        for tablet in tablets:
            tablet.sign_in(a["teacher"], "correct horse battery staple")
        notes = [str(uuid.uuid4()) for _ in range(6)]
        answers: dict[str, list] = {note: [] for note in notes}
        for n, note in enumerate(notes):
            start = threading.Barrier(len(tablets))

            # (Not the UUID in the text: nine figures in a row in it read as a candidate number.)
            def send(tablet, note=note, start=start, n=n):
                data = observation(world, f"Note {n} of the lesson", client_id=note)
                start.wait()
                answers[note].append(tablet.post_note(path, data))

            threads = [threading.Thread(target=send, args=(t,)) for t in tablets]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        server.shutdown()
    with app.app_context():
        for note in notes:
            statuses = {status for status, _ in answers[note]}
            assert statuses == {201}, answers[note]
            stored = db.session.scalars(select(Observation.id).where(Observation.client_id == note)).all()
            assert len(stored) == 1
            assert {entry for _, entry in answers[note]} == {str(stored[0])}


def test_pupil_voice_is_saved_once_too(client, world, app):
    """Pupil voice, taken in the corridor after the lesson, is sent the same way."""
    client.sign_in(world["a"]["teacher"])
    note_id, pressed = str(uuid.uuid4()), utcnow() - timedelta(minutes=2)
    payload = {
        "case_pupil_id": str(world["a"]["pupil_ids"][1]),
        "question": "What helped you to learn?",
        "own_question": "",
        "response": "The fraction wall, because I could see the pieces.",
        "client_id": note_id,
        "taken_at": pressed.isoformat(),
    }
    for _ in range(2):
        assert client.post(f"{lesson_url(world)}/voice", data=payload, htmx=True).status_code == 201
    with app.app_context():
        notes = db.session.scalars(select(PupilVoice).where(PupilVoice.client_id == note_id)).all()
        assert len(notes) == 1 and notes[0].created_at == pressed and notes[0].received_at > pressed
    # The page offers each new note its own id.
    assert 'name="client_id" type="hidden" value="' in client.get(f"{lesson_url(world)}/voice").get_data(
        as_text=True
    )


def test_a_note_kept_for_someone_else_is_not_saved_as_the_person_signed_in_now(client, world, app):
    """A tablet's outbox names the note's author (X-Workspace-User): a page left open while another
    teacher signed in on that browser must not save the first teacher's notes as the second's."""
    from workspace.models import User

    with app.app_context():
        ids = {
            email: db.session.scalar(select(User.id).where(User.email == email))
            for email in (world["a"]["teacher"], world["a"]["lead"])
        }
    client.sign_in(world["a"]["teacher"])
    url = f"{lesson_url(world)}/observations"
    someone_else = str(uuid.uuid4())
    answer = client.post(
        url,
        data=observation(world, "Kept for the lead", client_id=someone_else),
        htmx=True,
        headers={"X-Workspace-User": str(ids[world["a"]["lead"]])},
    )
    assert answer.status_code == 401  # as signed out: the outbox keeps it for its author
    own = str(uuid.uuid4())
    mine = client.post(
        url,
        data=observation(world, "Kept for me", client_id=own),
        htmx=True,
        headers={"X-Workspace-User": str(ids[world["a"]["teacher"]])},
    )
    assert mine.status_code == 201
    with app.app_context():
        assert _count(someone_else) == 0 and _count(own) == 1
