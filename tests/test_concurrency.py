"""Twenty people writing at once: observations and progress updates from 20 clients against a
threaded server, for CONCURRENCY_SECONDS (5 by default; 30 for the full check). Nothing is lost
and nobody meets "database is locked"."""

import http.cookiejar
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select
from werkzeug.serving import make_server

from workspace.extensions import db
from workspace.models import Observation, ProgressUpdate

SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "5"))
CLIENTS = 20


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""

    def sign_in(self, email, password):
        page = self.opener.open(self.base + "/sign-in").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        self.opener.open(
            self.base + "/sign-in",
            urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode(),
        )
        home = self.opener.open(self.base + "/partnerships").read().decode()
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)

    def post(self, path, data):
        request = urllib.request.Request(
            self.base + path,
            urllib.parse.urlencode(data).encode(),
            headers={"X-CSRFToken": self.csrf, "HX-Request": "true"},
        )
        try:
            with self.opener.open(request) as response:
                return response.status, ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")[:300]


def test_twenty_writers_lose_nothing(app, world, monkeypatch):
    # Twenty sign-ins to one account at the same moment: each counts against the throttle until
    # its password is found right, so the limits are lifted for this test.
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 10_000)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 10_000)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    w = world["a"]
    lesson = f"/p/{w['partnership_id']}/trios/{w['trio_id']}/lessons/{w['lesson_id']}/observations"
    progress = f"/p/{w['partnership_id']}/actions/{w['action_id']}/progress"
    with app.app_context():
        before = (
            db.session.scalar(select(func.count(Observation.id))),
            db.session.scalar(select(func.count(ProgressUpdate.id))),
        )
    accepted = {"observation": 0, "update": 0}
    failures = []
    lock = threading.Lock()

    def writer(n):
        browser = Browser(base)
        try:
            browser.sign_in(
                w["teacher"], "correct horse battery staple"
            )  # the trio member who owns the action
        except (
            urllib.error.HTTPError
        ) as error:  # a writer that cannot sign in is a failure, not a quiet thread
            with lock:
                failures.append((error.code, "sign-in"))
            return
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            if n % 2:
                kind, status, body = (
                    "observation",
                    *browser.post(
                        lesson,
                        {
                            "case_pupil_id": w["pupil_ids"][n % 3],
                            "stage_id": w["stage_ids"][0],
                            "text": f"Client {n} saw something",
                            "leuven_score": "3",
                        },
                    ),
                )
            else:
                kind, status, body = "update", *browser.post(progress, {"text": f"Client {n} update"})
            with lock:
                if status in (200, 201):
                    accepted[kind] += 1
                else:
                    failures.append((status, body))

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    server.shutdown()
    with app.app_context():
        after = (
            db.session.scalar(select(func.count(Observation.id))),
            db.session.scalar(select(func.count(ProgressUpdate.id))),
        )
    assert not failures, failures[:5]
    assert accepted["observation"] > 0 and accepted["update"] > 0
    assert after[0] - before[0] == accepted["observation"]
    assert after[1] - before[1] == accepted["update"]
