"""Times the three Word exports for the large benchmark partnership, with their peak memory, and
the interim report built the plain python-docx way on the same content for comparison.

Each export runs in a fresh process, so its peak resident memory (ru_maxrss) is its own.
Usage: python benchmarks/bench_exports.py DATABASE_URL [--skip-plain]
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERIOD = (date(2025, 11, 22), date(2026, 11, 22))


def run_one(kind: str, database_url: str) -> dict:
    sys.path.insert(0, ROOT)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark")
    from sqlalchemy import func, select

    from workspace import create_app
    from workspace.demo import national
    from workspace.extensions import db
    from workspace.models import School, SelfEvaluation, Trio
    from workspace.reports import data, documents, records
    from workspace.reports.docx_kit import to_bytes

    app = create_app()
    with app.app_context():
        partnership = national.large_partnership()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        if kind in ("interim", "interim-plain"):
            report = data.interim(partnership, *PERIOD)
            document = documents.interim_report(report, "Benchmark", fast_tables=kind == "interim")
            rows = len(report.progress) + sum(len(r) for _, r in report.actions_by_qi + report.actions_by_igbe)
        elif kind == "trio":
            trio = db.session.scalar(select(Trio).where(Trio.partnership_id == partnership.id).order_by(Trio.id))
            document = documents.trio_record(records.trio_record(trio), "Benchmark")
            rows = None
        else:
            school_id, on = db.session.execute(
                select(SelfEvaluation.school_id, SelfEvaluation.evaluated_on)
                .where(SelfEvaluation.partnership_id == partnership.id)
                .group_by(SelfEvaluation.school_id, SelfEvaluation.evaluated_on)
                .order_by(func.count().desc()).limit(1)).one()
            document = documents.self_evaluation(records.proforma(db.session.get(School, school_id), on), "Benchmark")
            rows = None
        payload = to_bytes(document)
        seconds = time.perf_counter() - started
    return {"export": kind, "seconds": round(seconds, 2), "bytes": len(payload), "table_rows": rows,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "baseline_rss_mb": round(baseline)}


def main(argv: list[str]) -> list[dict]:
    if argv and argv[0] == "--one":
        print(json.dumps(run_one(argv[1], argv[2])))
        return []
    database_url = argv[0]
    kinds = ["interim", "trio", "selfeval"] + ([] if "--skip-plain" in argv else ["interim-plain"])
    results = []
    for kind in kinds:
        out = subprocess.run([sys.executable, __file__, "--one", kind, database_url], capture_output=True, text=True,
                             check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
