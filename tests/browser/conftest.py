"""A live server on a temporary SQLite database with the demo loaded, and headless chromium.

Playwright's own browser download is not used: Debian's /usr/bin/chromium is. Where it is
missing these tests are skipped loudly, unless REQUIRE_BROWSER=1, when they fail.
"""
from __future__ import annotations

import json
import re
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-4.11.0.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "browser demo phrase"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    if _chromium_available():
        return
    message = f"chromium not found at {CHROMIUM}: the browser tests are SKIPPED (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(message + ", and REQUIRE_BROWSER=1")
    print("\n" + "!" * len(message) + "\n" + message + "\n" + "!" * len(message))
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from workspace import demo
    from workspace.extensions import db
    from workspace.frameworks import loader

    path = tmp_path_factory.mktemp("live") / "live.sqlite"
    app = make_app(f"sqlite:///{path}", SERVER_NAME=None, TESTING=False)
    with app.app_context():
        upgrade()
        loader.load_all()
        demo.load_demo(DEMO_PASSWORD)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Checked:
    """A page that records CSP violations and console errors, and runs axe on request."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message):
        # 409 and 422 are answers the page expects and shows; anything else is a problem.
        expected = re.search(r"status of (409|422) ", message.text)
        if message.type == "error" and not expected:
            self.problems.append(f"console error: {message.text}")

    def axe(self, label: str) -> None:
        """No serious or critical accessibility violations on the page as it is now."""
        self.page.evaluate(AXE.read_text() + "\n;true")
        results = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
        )
        bad = [v for v in results if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe on {label} ({self.page.url}):\n" + json.dumps(bad, indent=2)

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        # caret="initial": hiding the caret injects a <style>, which the CSP (rightly) blocks.
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{label}.png"), full_page=True, caret="initial")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new(name: str, viewport=(1280, 900)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        return Checked(context.new_page(), name)

    yield _new
    for context in contexts:
        context.close()
