"""Times the exports for the large benchmark partnership, with their peak memory: the interim
report for a year and its workbook side by side, and the two Word records. The interim report's
body is converted by LibreOffice and its pages counted (the target: at most 40).

Each export runs in a fresh process, so its peak resident memory (ru_maxrss) is its own.
Usage: python benchmarks/bench_exports.py DATABASE_URL
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
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
    from workspace.reports import data, documents, interim_layout, records, workbook
    from workspace.reports.docx_kit import to_bytes

    app = create_app()
    with app.app_context():
        partnership = national.large_partnership()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        if kind == "workbook":
            report = data.interim(partnership, *PERIOD)
            payload = workbook.interim_workbook(report)
            seconds = time.perf_counter() - started
            return {
                "export": kind,
                "seconds": round(seconds, 2),
                "bytes": len(payload),
                "table_rows": len(report.actions),
                "pages": None,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "baseline_rss_mb": round(baseline),
            }
        if kind == "interim":
            report = data.interim(partnership, *PERIOD)
            document = documents.interim_report(report, "Benchmark")
            rows = sum(len(b.rows) for b in interim_layout.layout(report) if b.kind == "table")
        elif kind == "trio":
            trio = db.session.scalar(
                select(Trio).where(Trio.partnership_id == partnership.id).order_by(Trio.id)
            )
            document = documents.trio_record(records.trio_record(trio), "Benchmark")
            rows = None
        else:
            school_id, on = db.session.execute(
                select(SelfEvaluation.school_id, SelfEvaluation.evaluated_on)
                .where(SelfEvaluation.partnership_id == partnership.id)
                .group_by(SelfEvaluation.school_id, SelfEvaluation.evaluated_on)
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            document = documents.self_evaluation(
                records.proforma(db.session.get(School, school_id), on), "Benchmark"
            )
            rows = None
        payload = to_bytes(document)
        seconds = time.perf_counter() - started
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {
        "export": kind,
        "seconds": round(seconds, 2),
        "bytes": len(payload),
        "table_rows": rows,
        "pages": pdf_pages(payload) if kind == "interim" else None,
        "peak_rss_mb": peak,
        "baseline_rss_mb": round(baseline),
    }


def pdf_pages(docx: bytes) -> int | None:
    """The document's pages as LibreOffice lays it out (None where LibreOffice is not installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "interim.docx")
        with open(path, "wb") as out:
            out.write(docx)
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{folder}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                folder,
                path,
            ],
            check=True,
            timeout=900,
            capture_output=True,
        )
        with open(os.path.join(folder, "interim.pdf"), "rb") as pdf:
            content = pdf.read()
    return len(re.findall(rb"/Type\s*/Page(?!s)", content))


def main(argv: list[str]) -> list[dict]:
    if argv and argv[0] == "--one":
        print(json.dumps(run_one(argv[1], argv[2])))
        return []
    database_url = argv[0]
    kinds = ["interim", "workbook", "trio", "selfeval"]
    results = []
    for kind in kinds:
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, database_url],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
