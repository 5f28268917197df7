"""A live server on a temporary SQLite database with the demo loaded, and headless chromium.

Playwright's own browser download is not used: Debian's /usr/bin/chromium is. Where it is
missing these tests are skipped loudly, unless REQUIRE_BROWSER=1, when they fail.
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-4.11.0.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "browser demo phrase"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that timed out waiting (a page that never came, say) reports where every
    thread of this process stands at that moment: the live server's request threads among them,
    so a request still stuck in the server shows its stack beside the failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or call.excinfo is None:
        return
    if type(call.excinfo.value).__name__ != "TimeoutError":
        return
    with tempfile.TemporaryFile("w+") as threads:
        faulthandler.dump_traceback(file=threads, all_threads=True)
        threads.seek(0)
        report.sections.append(("Threads when the test timed out", threads.read()))


class LiveServer(str):
    """The live server's address (a str, as the tests join paths to it), with its app, for a test
    that checks what the database holds."""

    app: Flask

    def __new__(cls, url: str, app: Flask) -> LiveServer:
        server = super().__new__(cls, url)
        server.app = app
        return server


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
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# What axe checks: WCAG 2.2 A and AA, and the best-practice rules about a page's structure
# (headings, landmarks, tables, focus order). A violation of impact moderate or above fails.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_STRUCTURE_RULES = [
    "empty-heading",
    "empty-table-header",
    "heading-order",
    "page-has-heading-one",
    "region",
    "skip-link",
    "landmark-one-main",
    "landmark-unique",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "scope-attr-valid",
    "table-duplicate-name",
    "aria-allowed-role",
    "presentation-role-conflict",
    "tabindex",
    "label-title-only",
]
AXE_FAILING_IMPACTS = ("moderate", "serious", "critical")

# Runs in every document the tests open, before the page's own scripts (a CDP init script, so the
# page's CSP does not apply to it): axe runs once the page has loaded and again after every htmx
# swap has settled, one run at a time, and each run is reported to the test (window.__axeReport).
# A run is announced when it is queued, so one the page left unfinished (by navigating away) is
# known to the test as well.
AXE_WATCH = """
(() => {
  const doc = Math.random().toString(36).slice(2);
  const rules = %(rules)s, tags = %(tags)s;
  let queue = Promise.resolve(), pending = 0, counter = 0;
  function options() {
    const ids = axe.getRules(tags).map(r => r.ruleId).concat(rules);
    return {runOnly: {type: "rule", values: ids}, resultTypes: ["violations"]};
  }
  function summary(results) {
    return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
  }
  function check(trigger) {
    const run = doc + "-" + (++counter);
    pending += 1;
    window.__axeReport({phase: "queued", run, trigger, url: location.href});
    queue = queue.then(async () => {
      let violations;
      try { violations = summary(await axe.run(document, options())); }
      catch (error) { violations = [{id: "axe-error", impact: "critical", help: String(error), nodes: []}]; }
      pending -= 1;
      window.__axeReport({phase: "done", run, trigger, url: location.href, violations});
    });
  }
  // A run the test asks for waits its turn too: axe runs one at a time.
  window.__axeNow = () => {
    const now = queue.then(async () => summary(await axe.run(document, options())));
    queue = now.catch(() => undefined);
    return now;
  };
  window.__axeDoc = doc;
  window.__axeIdle = () => pending === 0
    && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added");
  window.addEventListener("load", () => check("page load"));
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.target;
    const where = target ? (target.id ? "#" + target.id : target.tagName.toLowerCase()) : "?";
    check("htmx swap into " + where);
  });
})();
"""


class Checked:
    """A page that records CSP violations and console errors, and is checked by axe on every page
    it loads and after every htmx swap (AXE_WATCH), and on request (axe)."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.problems: list[str] = []
        self.pending: dict[str, str] = {}
        self.checked_runs = 0
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message):
        # 409 and 422 are answers the page expects and shows; anything else is a problem.
        expected = re.search(r"status of (409|422) ", message.text)
        if message.type == "error" and not expected:
            self.problems.append(f"console error: {message.text}")

    def _report(self, _source, report) -> None:
        where = f"{report['trigger']} ({report['url']})"
        if report["phase"] == "queued":
            self.pending[report["run"]] = where
            return
        self.pending.pop(report["run"], None)
        self.checked_runs += 1
        bad = [v for v in report["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
        if bad:
            self.problems.append(f"axe after {where}:\n" + json.dumps(bad, indent=2))

    def settle(self) -> None:
        """Waits until htmx is quiet and every axe run queued on this page has reported."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => window.__axeIdle && window.__axeIdle()", timeout=45000
        )  # a deadline on a busy machine, not a target

    def axe(self, label: str) -> None:
        """No violations of impact moderate or above on the page as it is now; the runs after its
        load and swaps have reported first."""
        self.settle()
        results = self.page.evaluate("() => window.__axeNow()")
        bad = [v for v in results if v["impact"] in AXE_FAILING_IMPACTS]
        assert not bad, f"axe on {label} ({self.page.url}):\n" + json.dumps(bad, indent=2)
        self._no_unfinished_runs()

    def _no_unfinished_runs(self) -> None:
        """Runs announced by a document the page has since left never finished: the test moved on
        before axe could look. That is a gap in the checking, so it fails too."""
        here = self.page.evaluate("() => window.__axeDoc")
        gone = {run: where for run, where in self.pending.items() if not run.startswith(f"{here}-")}
        if gone:
            unfinished = "\n".join(f"  {where}" for where in gone.values())
            for run in gone:
                del self.pending[run]
            self.problems.append(
                "axe did not finish after (the test moved on first; call axe() there):\n" + unfinished
            )

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        # caret="initial": hiding the caret injects a <style>, which the CSP (rightly) blocks.
        self.page.screenshot(
            path=str(ARTIFACTS / f"{self.name}-{label}.png"), full_page=True, caret="initial"
        )

    def assert_clean(self) -> None:
        self.settle()
        self._no_unfinished_runs()
        assert self.checked_runs, "axe never ran on this page"
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new(name: str, viewport=(1280, 900)):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        context.add_init_script(AXE.read_text())
        context.add_init_script(
            AXE_WATCH % {"rules": json.dumps(AXE_STRUCTURE_RULES), "tags": json.dumps(AXE_TAGS)}
        )
        holder = []
        context.expose_binding("__axeReport", lambda source, report: holder[0]._report(source, report))
        holder.append(Checked(context.new_page(), name))
        return holder[0]

    yield _new
    for context in contexts:
        context.close()
