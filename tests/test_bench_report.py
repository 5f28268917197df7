"""make bench's verdicts and write-up (benchmarks/wrk_report.py), from a run as run.py records it."""

from benchmarks import wrk_report


def recorded_run(full_dashboard_rps=80.0, stored=100):
    page = {"rps": 400.0, "p50_ms": 40.0, "p95_ms": 60.0, "p99_ms": 90.0, "errors": 0, "bare_rps": 1000.0}
    # The first bare route ran faster than the one measured just before each page: the share is of the latter.
    results = {"bare route (/healthz)": dict(page, rps=2000.0)}
    for label, _target in wrk_report.SHARE_TARGETS:
        results[label] = dict(page)
    results[wrk_report.FULL_DASHBOARD] = dict(page, rps=full_dashboard_rps)
    results[wrk_report.POST] = dict(page, accepted=100, stored=stored)
    return {
        "when": "2026-11-20 09:00 UTC",
        "machine": "2 cores",
        "workers": 3,
        "connections": 20,
        "duration": "10s",
        "bare_duration": "5s",
        "databases": [
            {
                "database": "SQLite",
                "results": results,
                "database_is_locked_in_log": False,
                "server_errors_in_log": 0,
            }
        ],
        "exports": [
            {"export": "interim", "seconds": 0.9, "peak_rss_mb": 180, "table_rows": 300, "pages": 38}
        ],
    }


def verdict(run, starts):
    return next(
        (measured, ok) for target, measured, ok in wrk_report.verdicts(run) if target.startswith(starts)
    )


def test_a_share_is_of_the_bare_route_measured_just_before_and_the_target_is_a_floor():
    assert verdict(recorded_run(80.0), "SQLite: dashboard, full page") == ("8.00%", True)
    # Two decimals: a share just short of its target does not read as the target itself.
    assert verdict(recorded_run(79.9), "SQLite: dashboard, full page") == ("7.99%", False)


def test_a_post_accepted_and_not_stored_fails_the_run():
    assert verdict(recorded_run(), "SQLite: every accepted post")[1] is True
    assert verdict(recorded_run(stored=99), "SQLite: every accepted post") == (
        "100 accepted, 99 stored, 0 errors",
        False,
    )


def test_the_write_up_says_how_it_ran_and_every_verdict():
    run = recorded_run(79.9)
    run["verdicts"] = wrk_report.verdicts(run)
    text = wrk_report.markdown(run)
    assert (
        "gunicorn 3 sync workers" in text
        and "20 connections, 10s a path" in text
        and "5s of the bare route" in text
    )
    assert "| SQLite: dashboard, full page at least 8% of the bare route | 7.99% | NO |" in text
    assert "| interim report's body at most 40 pages (LibreOffice) | 38 pages | yes |" in text
