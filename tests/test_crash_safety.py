"""A process killed in the middle of a writing request loses that request only, and leaves a
database that passes PRAGMA integrity_check."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="kills a process writing to an SQLite file"
)

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from flask_migrate import upgrade
    from tests.conftest import WorkspaceClient, make_app
    from tests import factories
    from workspace.extensions import db
    from workspace.frameworks import loader
    from workspace.trios import observing

    app = make_app("sqlite:///" + {path!r})
    with app.app_context():
        upgrade(); loader.load_all(); world = factories.two_partnerships(); db.session.commit(); ids = world.ids()["a"]
    client = WorkspaceClient(app, app.response_class)
    client.sign_in(ids["teacher"])
    url = f"/p/{{ids['partnership_id']}}/trios/{{ids['trio_id']}}/lessons/{{ids['lesson_id']}}/observations"
    data = {{"case_pupil_id": ids["pupil_ids"][0], "stage_id": ids["stage_ids"][0], "text": "", "leuven_score": ""}}
    for n in range(5):
        assert client.post(url, data=data | {{"text": f"kept {{n}}"}}).status_code == 303
    real = observing.record_observation

    def record_then_die(*args, **kwargs):
        observation = real(*args, **kwargs)
        db.session.flush()          # written to the database, not yet committed
        os.kill(os.getpid(), signal.SIGKILL)

    observing.record_observation = record_then_die
    client.post(url, data=data | {{"text": "lost in the crash"}})
""")


def test_killing_a_writer_mid_request(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = str(tmp_path / "crash.sqlite")
    process = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(root=root, path=path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert process.returncode == -9, process.stderr[-2000:]
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    texts = [row[0] for row in connection.execute("SELECT text FROM observation ORDER BY id")]
    assert [t for t in texts if t.startswith("kept")] == [f"kept {n}" for n in range(5)]
    assert "lost in the crash" not in texts
