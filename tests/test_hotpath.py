"""hotpath's kept connections: reused across requests, whether each request has its own thread
(flask run) or not, and replaced when one breaks."""
import threading

import pytest

from sqlalchemy import event

from workspace import hotpath
from workspace.extensions import db


def test_a_server_with_a_thread_per_request_reuses_the_kept_connections(client, world, app):
    a = world["a"]
    client.sign_in(a["lead"])
    with app.app_context():
        engine = db.engine
    client.get(f"/p/{a['partnership_id']}/actions/", htmx=True)
    opened = []
    listener = lambda *args: opened.append(1)  # noqa: E731
    event.listen(engine, "connect", listener)
    try:
        for _ in range(10):
            thread = threading.Thread(target=lambda: client.get(f"/p/{a['partnership_id']}/actions/", htmx=True))
            thread.start()
            thread.join()
    finally:
        event.remove(engine, "connect", listener)
    assert len(opened) <= 2  # the session's pool may open one; the kept ones are reused


def test_a_broken_kept_connection_is_replaced(client, world, app):
    a = world["a"]
    client.sign_in(a["lead"])
    assert client.get(f"/p/{a['partnership_id']}/actions/", htmx=True).status_code == 200
    with app.app_context():
        for connection in hotpath._kept.idle.get(db.engine, []):
            connection.close()
    assert client.get(f"/p/{a['partnership_id']}/actions/", htmx=True).status_code == 200


def test_a_statement_that_may_have_written_is_not_run_again_after_a_broken_connection(app):
    from sqlalchemy import literal, select

    one = select(literal(1))
    with app.app_context():
        assert hotpath.first_row(one, {}) == (1,)
        for connection in hotpath._kept.idle.get(db.engine, []):
            connection.close()
        with pytest.raises(db.engine.dialect.loaded_dbapi.Error):
            hotpath.first_row(one, {}, retry=False)
        assert hotpath.first_row(one, {}) == (1,)  # a read tries once more, on a new connection
