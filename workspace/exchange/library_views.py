"""The library: every signed-in person reads the published findings of every partnership."""

from flask import request
from flask_login import current_user

from ..access import published_finding, reads_pupil_quotes, reuse_partnerships, signed_in_route
from ..forms_common import parse_id
from ..htmx import render
from . import library, library_bp

MAX_FILTER_TEXT = 100


def _query() -> tuple[library.LibraryQuery, dict[str, list[tuple[str, str]]]]:
    args = request.args
    choices = library.filter_choices()

    def chosen(name, options):
        value = args.get(name, "")
        return value if value in {key for key, _ in options} else ""

    return library.LibraryQuery(
        words=args.get("q", "")[:MAX_FILTER_TEXT],
        qi_id=parse_id(chosen("qi", choices["qis"])),
        priority_id=parse_id(chosen("priority", choices["priorities"])),
        sector=chosen("sector", choices["sectors"]),
        stage=chosen("stage", choices["stages"]),
        subject=args.get("subject", "")[:MAX_FILTER_TEXT],
    ), choices


@library_bp.get("/", strict_slashes=False)
@signed_in_route
def index():
    query, choices = _query()
    return render(
        "exchange/library.html",
        "exchange/_library_results.html",
        query=query,
        choices=choices,
        results=library.published_views(library.search(query)),
    )


@library_bp.get("/<int:finding_id>")
@signed_in_route
def finding(finding_id):
    found = published_finding(finding_id)
    view = library.published_views([found], with_observations=reads_pupil_quotes(current_user))[0]
    return render(
        "exchange/library_finding.html",
        "exchange/_library_finding.html",
        finding=view,
        partnerships=reuse_partnerships(current_user),
    )
