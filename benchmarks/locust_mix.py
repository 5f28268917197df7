"""A national peak, as users make it: a mixed workload with Locust, on SQLite and PostgreSQL.

    python benchmarks/locust_mix.py          (or: make bench, or BENCH_ONLY=locust make bench)

For each database: migrate, load the frameworks, generate the national-scale data set, start
gunicorn as run.py does (3 sync workers, 127.0.0.1 only), and let Locust, in this process, play
the peak of the large partnership:

- 40 live research lessons, 3 observers each: the observation page, the feed polled every 3 s as
  htmx does it (HX-Request, the `since` token the page gives), an observation posted every
  30-60 s (the first 10-60 s in), and the lesson-study sheet when the lesson ends (then the
  trio's next lesson);
- 30 leads and teachers browsing, 5-15 s between clicks: the full dashboard, its filters (htmx),
  action pages with a progress update, trio pages, self-evaluation pages, the reports page;
- 5 reviewers reading and downloading: the reports page, the interim report and trio records
  (.docx), trio pages and lesson-study sheets.

Each user signs in once (its own session), before its stage is measured. The peak is measured
for BENCH_LOCUST_PEAK_SECONDS; then the same mix, scaled by BENCH_LOCUST_RAMP_STEP of the peak
at a time, for BENCH_LOCUST_STEP_SECONDS a step: upwards while every page's p95 holds at 300 ms,
up to BENCH_LOCUST_RAMP_MAX times the peak, stopping at the first step that passes. Capacity: the
most users of a step where every page held. If the peak itself did not hold, the ramp first goes
down to the first step that holds (the capacity), then up from the peak judging only the pages
that held at the peak (how far the rest goes while those few are slow at any load). The Word
downloads are not pages: they are reported beside them, against the interim report's 3 s.
Results: benchmarks/results/locust-<stamp>.json and locust-latest.md, beside run.py's wrk table.
"""

from __future__ import annotations

# Locust patches the standard library for gevent on import: it comes first.
from locust.env import Environment  # isort: skip

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import gevent
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import locust_users  # noqa: E402
from benchmarks.locust_users import (  # noqa: E402
    CAST,
    LESSON_SECONDS,
    PEAK,
    PEAK_USERS,
    POLL_STATUSES,
    SIGNING_IN,
    Browser,
    Observer,
    Reviewer,
)
from benchmarks.run import RESULTS, WORKERS, flask, free_port, start_gunicorn, wait_for  # noqa: E402

PEAK_SECONDS = float(os.environ.get("BENCH_LOCUST_PEAK_SECONDS", "60"))
STEP_SECONDS = float(os.environ.get("BENCH_LOCUST_STEP_SECONDS", "25"))
RAMP_STEP = float(os.environ.get("BENCH_LOCUST_RAMP_STEP", "0.5"))  # of the peak's users
RAMP_MAX = float(os.environ.get("BENCH_LOCUST_RAMP_MAX", "3.5"))  # times the peak
SPAWN_RATE = float(
    os.environ.get("BENCH_LOCUST_SPAWN_RATE", "15")
)  # sign-ins a second: each checks a scrypt hash
DATABASES = os.environ.get("BENCH_LOCUST_DATABASES", "sqlite,postgresql").lower().split(",")
LIMIT_MS = 300
DOWNLOAD_LIMIT_MS = 3000
MIN_SAMPLES = 5  # a page type seen fewer times in a step is shown, not judged: one sample is no p95
DOWNLOADS = ("interim report (.docx)", "trio record (.docx)")
SERVER = {"pid": 0}  # gunicorn's master: its workers' CPU is the server's share of the machine


def mix(factor: float) -> dict:
    users = max(1, round(PEAK_USERS * factor))
    return {"factor": round(factor, 2), "users": users}


def settle(runner, users: int, limit: float = 180.0) -> None:
    """Until every user of the step is there and signed in, and a few seconds more."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        gevent.sleep(1)
        if runner.user_count >= users and SIGNING_IN["pending"] == 0:
            break
    gevent.sleep(5)


def cpu_seconds() -> dict:
    """CPU seconds so far: the whole machine, this server (gunicorn and its workers), Locust (this
    process). The rest of the machine's is other work: the PostgreSQL server, and whatever else runs."""
    times = psutil.cpu_times()
    server = psutil.Process(SERVER["pid"])
    parts = [server] + server.children(recursive=True)
    mine = psutil.Process().cpu_times()
    return {
        "machine": sum(times) - times.idle - getattr(times, "iowait", 0),
        "server": sum(p.cpu_times().user + p.cpu_times().system for p in parts),
        "locust": mine.user + mine.system,
    }


def measure(env, runner, factor: float, seconds: float, exempt=()) -> dict:
    """One stage: the users of `factor` times the peak, signed in, then `seconds` measured. It held
    if every page type's p95 is at most 300 ms; held_rest leaves out the `exempt` page types."""
    stage = mix(factor)
    runner.start(stage["users"], spawn_rate=SPAWN_RATE)
    settle(runner, stage["users"])
    env.stats.reset_all()
    POLL_STATUSES.clear()
    cpu_before = cpu_seconds()
    began = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - began
    cpu = {part: round((used - cpu_before[part]) / elapsed, 2) for part, used in cpu_seconds().items()}
    rows = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        if not entry.num_requests and not entry.num_failures:
            continue
        rows[name] = {
            "method": method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.num_requests / elapsed, 2),
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": round(entry.max_response_time or 0),
        }
    errors = [
        {"name": e.name, "error": str(e.error), "count": e.occurrences} for e in env.stats.errors.values()
    ]
    pages = {n: r for n, r in rows.items() if n not in DOWNLOADS and n != "sign in"}
    judged = {n: r for n, r in pages.items() if r["requests"] >= MIN_SAMPLES}
    over = sorted(n for n, r in judged.items() if r["p95_ms"] > LIMIT_MS)
    worst = max(judged, key=lambda n: judged[n]["p95_ms"], default=None)
    stage.update(
        {
            "seconds": round(elapsed, 1),
            "by_kind": dict(runner.user_classes_count),
            "rows": rows,
            "cores_used": cpu,
            "poll_statuses": {str(code): n for code, n in sorted(POLL_STATUSES.items())},
            "errors": errors,
            "failures": sum(r["failures"] for r in rows.values()),
            "requests": sum(r["requests"] for r in rows.values()),
            "over_limit": over,
            "worst_page": worst,
            "worst_p95_ms": judged[worst]["p95_ms"] if worst else None,
            "held": not over,
            "held_rest": not [n for n in over if n not in exempt],
        }
    )
    print(
        f"  {stage['users']} users ({stage['by_kind']}): {stage['requests']} requests in {stage['seconds']} s "
        f"(cores busy: {cpu}), "
        f"{stage['failures']} failures, worst page p95 {stage['worst_p95_ms']} ms ({worst})"
        + (f"; over {LIMIT_MS} ms: {', '.join(over)}" if over else ""),
        flush=True,
    )
    return stage


def play(base: str) -> dict:
    """The peak, then the ramp, against one server. Upwards from the peak while every page holds;
    if the peak itself did not hold, first downwards to the first step that holds (the capacity),
    then upwards from the peak judging the pages that held at the peak, which says how far the
    rest of the application goes while those pages are slow whatever the load."""
    # Every run seats its users afresh.
    locust_users.SEATS, locust_users.BROWSER_SEATS, locust_users.REVIEWER_SEATS = (
        itertools.count(),
        itertools.count(),
        itertools.count(),
    )
    env = Environment(user_classes=[Observer, Browser, Reviewer], host=base)
    runner = env.create_local_runner()

    def step(factor: float, exempt=()) -> dict:
        print(f"  ramp: {mix(factor)['users']} users for {STEP_SECONDS:.0f} s", flush=True)
        return measure(env, runner, factor, STEP_SECONDS, exempt)

    down, up = [], []
    try:
        print(f"  the peak: {PEAK_USERS} users for {PEAK_SECONDS:.0f} s", flush=True)
        peak = measure(env, runner, 1.0, PEAK_SECONDS)
        slow, factor = tuple(peak["over_limit"]), 1.0
        peak["held_rest"] = True  # the others held at the peak, by definition
        while not peak["held"] and (factor := round(factor - RAMP_STEP, 4)) >= RAMP_STEP - 1e-9:
            down.append(step(factor, slow))
            if down[-1]["held"]:
                break
        factor = 1.0
        while (factor := round(factor + RAMP_STEP, 4)) <= RAMP_MAX + 1e-9:
            up.append(step(factor, slow))
            if not up[-1]["held_rest"]:
                break
    finally:
        runner.quit()
    strict = [peak] + (down if not peak["held"] else up)
    passed = [s for s in strict if not s["held"]]
    rest = [peak] + up
    return {
        "peak": peak,
        "ramp": sorted(down + up, key=lambda s: s["users"]),
        "capacity_users": max((s["users"] for s in strict if s["held"]), default=0),
        "first_over": min(s["users"] for s in passed) if passed else None,
        "ramp_reached_max": bool(
            peak["held"] and up and up[-1]["held"] and up[-1]["factor"] >= RAMP_MAX - 1e-9
        ),
        "slow_at_the_peak": list(slow),
        "capacity_rest_users": max((s["users"] for s in rest if s["held_rest"]), default=0) if slow else None,
        "rest_reached_max": bool(slow and up and up[-1]["held_rest"]),
    }


def cast(env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "locust_cast.py")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_database(name: str, database_url: str, workdir: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="benchmark-secret", PYTHONPATH=str(ROOT))
    env.pop("WORKSPACE_SQLALCHEMY_DATABASE_URI", None)
    print(f"{name}: generating the national data set", flush=True)
    flask(env, "db", "upgrade")
    flask(env, "load-frameworks")
    flask(env, "generate-bench-data")
    CAST.clear()
    CAST.update(cast(env))
    port = free_port()
    log_path = workdir / f"gunicorn-locust-{name}.log"
    log = open(log_path, "w")  # noqa: SIM115 (the server writes to it until the run ends)
    server = start_gunicorn(env, port, log)
    SERVER["pid"] = server.pid
    try:
        wait_for(f"http://127.0.0.1:{port}")
        result = play(f"http://127.0.0.1:{port}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    text = log_path.read_text()
    return {
        "database": name,
        **result,
        "server_errors_in_log": text.count("Traceback"),
        "database_is_locked_in_log": "database is locked" in text,
    }


# Reporting -------------------------------------------------------------------------------------------


def verdicts(run: dict) -> list[tuple[str, str, bool]]:
    found = []
    for r in run["databases"]:
        name, peak = r["database"], r["peak"]
        found.append(
            (
                f"{name}: at the peak ({peak['users']} users) every page's p95 at most {LIMIT_MS} ms",
                f"worst {peak['worst_p95_ms']} ms ({peak['worst_page']})",
                peak["held"],
            )
        )
        found.append(
            (
                f"{name}: no failures at the peak",
                f"{peak['failures']} of {peak['requests']}",
                not peak["failures"] and not r["server_errors_in_log"],
            )
        )
        target = 3 * PEAK_USERS
        reached = (f"{r['capacity_users']} users" if r["capacity_users"] else "none held") + (
            " (the ramp's maximum)"
            if r["ramp_reached_max"]
            else f"; {r['first_over']} users passed {LIMIT_MS} ms"
        )
        found.append(
            (
                f"{name}: capacity at least three times the peak ({target} users)",
                reached,
                r["capacity_users"] >= target,
            )
        )
        if r["slow_at_the_peak"]:
            rest = f"{r['capacity_rest_users']} users" if r["capacity_rest_users"] else "none held"
            found.append(
                (
                    f"{name}: (for information) the other pages, leaving aside those over {LIMIT_MS} ms at the peak, "
                    f"at three times the peak",
                    rest + (" (the ramp's maximum)" if r["rest_reached_max"] else ""),
                    r["capacity_rest_users"] >= target,
                )
            )
        for download in DOWNLOADS:
            row = peak["rows"].get(download)
            if row:
                found.append(
                    (
                        f"{name}: {download} at the peak, p95 under {DOWNLOAD_LIMIT_MS / 1000:.0f} s",
                        f"{row['p95_ms']} ms ({row['requests']} downloads)",
                        row["p95_ms"] < DOWNLOAD_LIMIT_MS,
                    )
                )
    return found


def table(stage: dict) -> list[str]:
    lines = [
        "| page type | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in stage["rows"].items():
        mark = (
            " (download)"
            if name in DOWNLOADS
            else " (few samples, not judged)"
            if r["requests"] < MIN_SAMPLES
            else ""
        )
        p95 = f"**{r['p95_ms']:.0f}**" if name in stage["over_limit"] else f"{r['p95_ms']:.0f}"
        lines.append(
            f"| {name}{mark} | {r['requests']} | {r['rps']} | {r['p50_ms']:.0f} | {p95} | {r['p99_ms']:.0f} | "
            f"{r['max_ms']} | {r['failures']} |"
        )
    return lines


def markdown(run: dict) -> str:
    lines = [
        f"# Mixed workload (Locust) {run['when']}",
        "",
        f"{run['machine']}, shared with other work while this ran (the ramp table gives the cores busy in each "
        "stage: the whole machine's, the server's and Locust's; the rest is PostgreSQL's and others' work); "
        f"gunicorn {WORKERS} sync workers on 127.0.0.1, Locust on the same machine (its CPU counts against the "
        "server's). The peak: "
        f"{PEAK['lessons']} live lessons x {PEAK['observers_per_lesson']} observers (poll every 3 s, a post every "
        f"30-60 s, the sheet at the end of a {LESSON_SECONDS:.0f} s lesson), {PEAK['browsers']} leads and teachers "
        f"(5-15 s between clicks), {PEAK['reviewers']} reviewers = {PEAK_USERS} users, {PEAK_SECONDS:.0f} s measured "
        f"after everyone has signed in. Ramp: the same mix in steps of {RAMP_STEP:g} x the peak, {STEP_SECONDS:.0f} s "
        f"each, up to {RAMP_MAX:g} x, stopping at the first step where a page's p95 passes {LIMIT_MS} ms "
        f"(page types with fewer than {MIN_SAMPLES} requests in a step are not judged; the .docx downloads are "
        f"held to {DOWNLOAD_LIMIT_MS / 1000:.0f} s instead). Response times are Locust's (rounded to 2 "
        "significant figures above 100 ms).",
        "",
    ]
    for r in run["databases"]:
        peak = r["peak"]
        locked = "yes" if r["database_is_locked_in_log"] else "no"
        lines += [
            f"## {r['database']}",
            "",
            f"### The peak: {peak['users']} users {peak['by_kind']}, {peak['seconds']} s",
            "",
            *table(peak),
            "",
            f"Failures: {peak['failures']} of {peak['requests']}; polls by answer: {peak['poll_statuses']}; "
            f"tracebacks in the server log (whole run): {r['server_errors_in_log']}; 'database is locked': {locked}.",
            "",
        ]
        if peak["errors"]:
            lines += [f"- {e['name']}: {e['error']} ({e['count']})" for e in peak["errors"]] + [""]
        slow = r["slow_at_the_peak"]
        lines += [
            "### Ramp",
            "",
            "| users | x peak | by kind | req/s | cores busy: machine, server, Locust | failures | "
            f"worst page p95 | over {LIMIT_MS} ms | every page held |"
            + (" the others held |" if slow else ""),
            "| ---: | ---: | --- | ---: | ---: | ---: | --- | --- | --- |" + (" --- |" if slow else ""),
        ]
        for s in sorted([peak] + r["ramp"], key=lambda s: s["users"]):
            cores = s["cores_used"]
            lines.append(
                f"| {s['users']} | {s['factor']} | {s['by_kind']} | {round(s['requests'] / s['seconds'], 1)} | "
                f"{cores['machine']}, {cores['server']}, {cores['locust']} | {s['failures']} | "
                f"{s['worst_p95_ms']} ms ({s['worst_page']}) | {', '.join(s['over_limit']) or '-'} | "
                f"{'yes' if s['held'] else 'no'} |"
                + (f" {'yes' if s['held_rest'] else 'no'} |" if slow else "")
            )
        fewest = min(s["users"] for s in [peak] + r["ramp"])
        capacity = f"{r['capacity_users']} users" if r["capacity_users"] else f"below {fewest} users"
        lines += [
            "",
            f"Capacity of one 2-core server (the most users of a step where every page held): **{capacity}**"
            + (" (the ramp's maximum: more may hold)" if r["ramp_reached_max"] else "")
            + ".",
        ]
        if slow:
            rest = f"{r['capacity_rest_users']} users" if r["capacity_rest_users"] else "none held"
            lines.append(
                f"Over {LIMIT_MS} ms already at the peak: {', '.join(slow)}. Leaving those aside, the rest held "
                f"up to **{rest}**"
                + (" (the ramp's maximum: more may hold)" if r["rest_reached_max"] else "")
                + "."
            )
        lines.append("")
        for s in r["ramp"]:
            if not s["held_rest"]:
                lines += [f"#### A step over {LIMIT_MS} ms: {s['users']} users", "", *table(s), ""]
    lines += ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {t} | {m} | {'yes' if ok else 'NO'} |" for t, m, ok in run["verdicts"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    from tests import with_postgres

    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="workspace-locust-"))
    run = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores",
        "workers": WORKERS,
        "peak_users": PEAK_USERS,
        "peak": PEAK,
        "peak_seconds": PEAK_SECONDS,
        "step_seconds": STEP_SECONDS,
        "ramp_step": RAMP_STEP,
        "ramp_max": RAMP_MAX,
        "limit_ms": LIMIT_MS,
        "lesson_seconds": LESSON_SECONDS,
        "databases": [],
    }
    try:
        if "sqlite" in DATABASES:
            run["databases"].append(bench_database("SQLite", f"sqlite:///{workdir}/locust.sqlite", workdir))
        if "postgresql" in DATABASES:
            if with_postgres.available():
                with with_postgres.throwaway_server("workspace_locust") as url:
                    run["databases"].append(bench_database("PostgreSQL", url, workdir))
            else:
                print("PostgreSQL binaries not found: the PostgreSQL run is SKIPPED.", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    run["verdicts"] = verdicts(run)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"locust-{stamp}.json").write_text(json.dumps(run, indent=2))
    (RESULTS / "locust-latest.md").write_text(markdown(run))
    print(summary(run, RESULTS / f"locust-{stamp}.json"), flush=True)
    return 0


def summary(run: dict, path: Path) -> str:
    lines = [
        "",
        f"Mixed workload (Locust): the tables are in {(RESULTS / 'locust-latest.md').relative_to(ROOT)} "
        f"and {path.relative_to(ROOT)}.",
    ]
    for r in run["databases"]:
        peak, cpu = r["peak"], r["peak"]["cores_used"]
        capacity = f"{r['capacity_users']} users" if r["capacity_users"] else "no step held"
        lines.append(
            f"{r['database']}: at the peak ({peak['users']} users) {peak['requests']} requests, "
            f"{peak['failures']} failures, worst page p95 {peak['worst_p95_ms']} ms ({peak['worst_page']}); "
            f"capacity {capacity}; cores busy at the peak: machine {cpu['machine']}, server {cpu['server']}."
        )
    lines += [
        f"  {'met' if ok else 'NOT MET'}: {target}: {measured}" for target, measured, ok in run["verdicts"]
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
