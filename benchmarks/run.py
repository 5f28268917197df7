"""make bench: the busiest paths under load, on SQLite and on a throwaway PostgreSQL server.

For each database: migrate, load the frameworks, generate the national-scale data set, start
gunicorn as the README deploys it (sync workers: one connection per worker at a time, so
keep-alive cannot pile every connection on one worker), sign in, and drive 20 concurrent
connections with wrk (a separate process, on 127.0.0.1 only) for a fixed time against each path,
next to a bare route (/healthz) of the same app. Then the three Word exports. Results go to
benchmarks/results/ as JSON and Markdown (the targets and the write-up: wrk_report.py).

Then the mixed workload of users with Locust (benchmarks/locust_mix.py, in its own process:
Locust patches the standard library for gevent). BENCH_ONLY=wrk or BENCH_ONLY=locust runs one part.
"""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.wrk_report import (  # noqa: E402 (after the checkout is on the path)
    COUNTS,
    FRAGMENT,
    FULL_DASHBOARD,
    IGBE_COVERAGE,
    OBSERVATION_PAGE,
    POLL,
    POST,
    QI_COVERAGE,
    TRIO_PAGE,
    markdown,
    verdicts,
)

BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "10s")
BARE_DURATION = os.environ.get("BENCH_BARE_DURATION", "5s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
RESULTS = ROOT / "benchmarks" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "workspace", *args], env=env, check=True, capture_output=True, text=True
    ).stdout


class Client:
    """Signs in like a browser and keeps the session cookie and CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def get(self, path: str, headers: dict | None = None) -> str:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        with self.opener.open(request) as response:
            return response.read().decode()

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/sign-in")
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
        )
        token = next(t for t in token.groups() if t)
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        self.opener.open(urllib.request.Request(self.base + "/sign-in", data=body))
        home = self.get("/partnerships")
        self.csrf = re.search(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"', home)
        self.csrf = next(t for t in self.csrf.groups() if t)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(url: str, headers: dict, post: str | None = None, duration: str = DURATION) -> dict:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(CONNECTIONS),
        "-d",
        duration,
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "benchmarks" / "report.lua"),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if post is not None:
        command += ["--", "POST", post]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    seconds = result["duration_us"] / 1e6
    ok = sum(n for code, n in result["statuses"].items() if 200 <= int(code) < 400)
    return {
        "rps": round(result["requests"] / seconds, 1),
        "p50_ms": result["p50_us"] / 1000,
        "p95_ms": result["p95_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": result["requests"] - ok + result["socket_errors"],
        "requests": result["requests"],
        "statuses": result["statuses"],
    }


def targets(env: dict) -> dict:
    """Ids in the large partnership: a trio, a lesson of it, a pupil and stage, and the first lead."""
    code = """
import json
from sqlalchemy import select
from workspace import create_app
from workspace.demo import national
from workspace.extensions import db
from workspace.models import CasePupil, LessonStage, ResearchLesson, Trio
app = create_app()
with app.app_context():
    p = national.large_partnership()
    trio = db.session.scalar(select(Trio).where(Trio.partnership_id == p.id).order_by(Trio.id))
    lesson = db.session.scalar(select(ResearchLesson).where(ResearchLesson.trio_id == trio.id).order_by(ResearchLesson.id))
    pupil = db.session.scalar(select(CasePupil.id).where(CasePupil.lesson_id == lesson.id).order_by(CasePupil.id))
    stage = db.session.scalar(select(LessonStage.id).where(LessonStage.lesson_id == lesson.id).order_by(LessonStage.id))
    print(json.dumps({"partnership": p.id, "trio": trio.id, "lesson": lesson.id, "pupil": pupil, "stage": stage}))
"""
    return json.loads(
        subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def count_observations(env: dict, lesson: int) -> int:
    code = f"""
from sqlalchemy import func, select
from workspace import create_app
from workspace.extensions import db
from workspace.models import Observation
app = create_app()
with app.app_context():
    print(db.session.scalar(select(func.count(Observation.id)).where(Observation.lesson_id == {lesson})))
"""
    return int(
        subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def start_gunicorn(env: dict, port: int, log) -> subprocess.Popen:
    """As the README deploys it: sync workers, one connection each at a time, so keep-alive
    cannot pile every connection onto one worker."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "workspace:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def drain(base: str, limit: float = 120.0) -> None:
    """Wait until the workers have finished what the last run left queued (the server answers
    requests whose client has gone): /healthz quick three times running."""
    quick, started = 0, time.monotonic()
    while quick < 3 and time.monotonic() - started < limit:
        began = time.monotonic()
        urllib.request.urlopen(base + "/healthz", timeout=limit).read()
        quick = quick + 1 if time.monotonic() - began < 0.05 else 0


def wait_for(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)


def bench_database(name: str, database_url: str, workdir: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="benchmark-secret", PYTHONPATH=str(ROOT))
    env.pop("WORKSPACE_SQLALCHEMY_DATABASE_URI", None)
    flask(env, "db", "upgrade")
    flask(env, "load-frameworks")
    started = time.perf_counter()
    flask(env, "generate-bench-data")
    generated = round(time.perf_counter() - started, 1)
    ids = targets(env)
    port = free_port()
    log = open(workdir / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (kept open for the server)
    gunicorn = start_gunicorn(env, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base)
        client = Client(base)
        client.sign_in("p0.m0@bench.example", "benchmark-partnership-2026")
        p, t, lesson = ids["partnership"], ids["trio"], ids["lesson"]
        lesson_path = f"/p/{p}/trios/{t}/lessons/{lesson}"
        feed = client.get(f"{lesson_path}/observations/feed", {"HX-Request": "true"})
        since = urllib.parse.unquote(re.search(r'since=([^"&]+)', feed).group(1))
        dashboard = f"/p/{p}/actions/?status=in_progress&status=not_started&sort=due"
        # (label, path, as htmx, signed in)
        paths = [
            ("bare route (/healthz)", "/healthz", False, False),
            (FRAGMENT, dashboard, True, True),
            (FULL_DASHBOARD, dashboard, False, True),
            (COUNTS, f"/p/{p}/actions/summary/by-school", True, True),
            (QI_COVERAGE, f"/p/{p}/actions/summary/qi", True, True),
            (IGBE_COVERAGE, f"/p/{p}/actions/summary/igbe", True, True),
            (OBSERVATION_PAGE, f"{lesson_path}/observe", False, True),
            (POLL, f"{lesson_path}/observations/feed?since={urllib.parse.quote(since)}", True, True),
            (TRIO_PAGE, f"/p/{p}/trios/{t}", False, True),
        ]
        results = {}

        def headers(as_htmx: bool, signed_in: bool) -> dict:
            """The session cookie as a browser holds it now. The server writes a new one at most
            once a minute (the idle timeout's last-seen time) and a browser keeps it; wrk cannot,
            so the cookie is fetched afresh before each run, which lasts well under a minute."""
            if not signed_in:
                return {}
            client.get("/partnerships")
            found = {"Cookie": client.cookie}
            return {**found, "HX-Request": "true"} if as_htmx else found

        def measure(label, url, as_htmx, signed_in, post=None, extra=None):
            # The bare route again just before: on a shared machine the speed drifts from one
            # minute to the next, and a share of a bare figure taken at the same moment holds.
            drain(base)
            bare = wrk(base + "/healthz", {}, duration=BARE_DURATION)["rps"] if results else None
            results[label] = wrk(url, {**headers(as_htmx, signed_in), **(extra or {})}, post=post)
            results[label]["bare_rps"] = bare or results[label]["rps"]
            print(f"  {name}: {label}: {results[label]}", flush=True)
            return results[label]

        for label, path, as_htmx, signed_in in paths:
            measure(label, base + path, as_htmx, signed_in)
        before = count_observations(env, lesson)
        body = urllib.parse.urlencode(
            {
                "case_pupil_id": ids["pupil"],
                "stage_id": ids["stage"],
                "text": "Explained the method to a partner.",
                "leuven_score": "4",
            }
        )
        post = measure(
            POST,
            base + f"{lesson_path}/observations",
            True,
            True,
            post=body,
            extra={"X-CSRFToken": client.csrf},
        )
        stored = count_observations(env, lesson) - before
        accepted = post["statuses"].get("201", 0)
        post.update({"accepted": accepted, "stored": stored})
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        log.close()
    log = (workdir / f"gunicorn-{name}.log").read_text()
    return {
        "database": name,
        "generated_in_s": generated,
        "results": results,
        "database_is_locked_in_log": "database is locked" in log,
        "server_errors_in_log": log.count("Traceback"),
    }


def main() -> int:
    only = os.environ.get("BENCH_ONLY", "")
    if only not in ("", "wrk", "locust"):
        print(f"BENCH_ONLY is wrk or locust, not {only!r}.", file=sys.stderr)
        return 2
    status = wrk_main() if only != "locust" else 0
    if only != "wrk":
        status = locust_main() or status
    return status


def locust_main() -> int:
    if importlib.util.find_spec("locust") is None:
        print(
            "Locust is not installed (pip install -e '.[bench]'): the mixed workload cannot run.",
            file=sys.stderr,
        )
        return 1
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "locust_mix.py")], cwd=ROOT).returncode


def wrk_main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk): the load benchmark cannot run.", file=sys.stderr)
        return 1
    from tests import with_postgres

    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
    run = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores",
        "workers": WORKERS,
        "worker_class": "sync",
        "connections": CONNECTIONS,
        "duration": DURATION,
        "bare_duration": BARE_DURATION,
        "databases": [],
    }
    try:
        sqlite_url = f"sqlite:///{workdir}/bench.sqlite"
        run["databases"].append(bench_database("SQLite", sqlite_url, workdir))
        if with_postgres.available():
            with with_postgres.throwaway_server("workspace_bench") as url:
                run["databases"].append(bench_database("PostgreSQL", url, workdir))
        else:
            print("PostgreSQL binaries not found: the PostgreSQL run is SKIPPED.", file=sys.stderr)
        from benchmarks import bench_exports

        run["exports"] = bench_exports.main([sqlite_url])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run["verdicts"] = verdicts(run)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(run, indent=2))
    (RESULTS / "latest.md").write_text(markdown(run))
    print(markdown(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
