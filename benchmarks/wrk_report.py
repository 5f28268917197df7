"""What make bench's wrk part is judged against, and how a run is written up (latest.md): the
paths' labels, the issue's targets as shares of the bare route, the verdicts and the Markdown.
It reads a run as benchmarks/run.py records it (its JSON), and runs nothing itself.
"""

from __future__ import annotations

FRAGMENT = "dashboard, htmx fragment (50 a page)"
FULL_DASHBOARD = "dashboard, full page"
COUNTS = "dashboard: actions by status per school (fragment)"
QI_COVERAGE = "dashboard: QI coverage (fragment)"
IGBE_COVERAGE = "dashboard: IGBE coverage (fragment)"
OBSERVATION_PAGE = "observation page"
TRIO_PAGE = "trio page"
POLL = "observation poll, nothing new (204)"
POST = "observation post (20 concurrent observers)"
# Each page's target, as a share of the bare route measured just before it (issue: the pages people open).
SHARE_TARGETS = [
    (FULL_DASHBOARD, 0.08),
    (COUNTS, 0.05),
    (QI_COVERAGE, 0.05),
    (IGBE_COVERAGE, 0.05),
    (OBSERVATION_PAGE, 0.10),
    (TRIO_PAGE, 0.10),
    (FRAGMENT, 0.10),
    (POLL, 0.35),
]


def verdicts(run: dict) -> list[tuple[str, str, bool]]:
    """The issue's targets, each with what this run measured."""
    found = []
    for db_run in run["databases"]:
        name, r = db_run["database"], db_run["results"]
        for label, target in SHARE_TARGETS:
            share = r[label]["rps"] / r[label].get("bare_rps", r["bare route (/healthz)"]["rps"])
            found.append(
                (f"{name}: {label} at least {target:.0%} of the bare route", f"{share:.2%}", share >= target)
            )
        post = r[POST]
        found.append(
            (f"{name}: observation post p99 under 100 ms", f"{post['p99_ms']:.0f} ms", post["p99_ms"] < 100)
        )
        found.append(
            (
                f"{name}: every accepted post stored, no 'database is locked', no errors",
                f"{post['accepted']} accepted, {post['stored']} stored, {post['errors']} errors",
                post["stored"] >= post["accepted"]
                and not db_run["database_is_locked_in_log"]
                and not db_run["server_errors_in_log"]
                and not post["errors"],
            )
        )
    for export in run.get("exports", []):
        if export["export"] == "interim":
            found.append(
                (
                    "interim report under 3 s and 300 MB",
                    f"{export['seconds']} s, {export['peak_rss_mb']} MB",
                    export["seconds"] < 3 and export["peak_rss_mb"] < 300,
                )
            )
            if export.get("pages") is not None:
                found.append(
                    (
                        "interim report's body at most 40 pages (LibreOffice)",
                        f"{export['pages']} pages",
                        export["pages"] <= 40,
                    )
                )
        if export["export"] == "workbook":
            found.append(
                (
                    "interim workbook under 3 s and 300 MB",
                    f"{export['seconds']} s, {export['peak_rss_mb']} MB",
                    export["seconds"] < 3 and export["peak_rss_mb"] < 300,
                )
            )
    return found


def markdown(run: dict) -> str:
    lines = [
        f"# Benchmark {run['when']}",
        "",
        f"{run['machine']}; gunicorn {run['workers']} sync workers (one connection each at a time); wrk, "
        f"{run['connections']} connections, {run['duration']} a path, each right after {run['bare_duration']} "
        "of the bare route "
        "(its share is of that bare figure). Nothing is remembered between requests: every page "
        "and fragment is read from the database and rendered afresh.",
        "",
    ]
    for db_run in run["databases"]:
        bare = db_run["results"]["bare route (/healthz)"]["rps"]
        lines += [
            f"## {db_run['database']}",
            "",
            "| path | req/s | bare route just before, req/s | % of bare | p50 ms | "
            "p95 ms | p99 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, r in db_run["results"].items():
            adjacent = r.get("bare_rps", bare)
            lines.append(
                f"| {label} | {r['rps']} | {adjacent} | {100 * r['rps'] / adjacent:.0f}% | {r['p50_ms']:.1f} | "
                f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
            )
        post = db_run["results"][POST]
        lines += [
            "",
            f"Observation posts accepted: {post['accepted']}, stored: {post['stored']}; "
            f"'database is locked' in the server log: {'yes' if db_run['database_is_locked_in_log'] else 'no'}; "
            f"tracebacks: {db_run['server_errors_in_log']}.",
            "",
        ]
    if run.get("verdicts"):
        lines += ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
        lines += [
            f"| {target} | {measured} | {'yes' if ok else 'NO'} |" for target, measured, ok in run["verdicts"]
        ]
        lines.append("")
    if run.get("exports"):
        lines += [
            "## Exports of the large partnership",
            "",
            "| export | seconds | peak memory (MB) | table rows | pages |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for r in run["exports"]:
            lines.append(
                f"| {r['export']} | {r['seconds']} | {r['peak_rss_mb']} | {r['table_rows'] or ''} | "
                f"{r.get('pages') or ''} |"
            )
    return "\n".join(lines) + "\n"
