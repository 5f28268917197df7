"""The framework browser, search, and the link picker's htmx endpoints."""

import re

from flask import abort, render_template, request

from ..access import partnership_route
from ..extensions import db
from ..htmx import render
from ..models import Framework, FrameworkElement
from . import bp, linking, services
from .picker import MAX_QUERY, build_picker

FIELD_NAME = re.compile(r"^[a-z_]{1,30}$")


@bp.get("/", strict_slashes=False)
@partnership_route()
def index(access):
    return render_template(
        "frameworks/index.html",
        frameworks=services.current_frameworks(),
        superseded=services.superseded_frameworks(),
    )


@bp.get("/<int:framework_id>")
@partnership_route()
def framework(access, framework_id):
    found = db.session.get(Framework, framework_id) or abort(404)
    return render_template("frameworks/framework.html", framework=found, tree=services.framework_tree(found))


@bp.get("/elements/<int:element_id>")
@partnership_route()
def element(access, element_id):
    found = db.session.get(FrameworkElement, element_id) or abort(404)
    return render_template(
        "frameworks/element.html",
        element=found,
        detail=services.element_detail(found),
        ancestors=services.ancestors(found),
        framework=found.framework,
        linked=linking.records_linked_to(access.partnership_id, found) if found.is_linkable else {},
        label=linking.element_label(found),
    )


@bp.get("/search")
@partnership_route()
def search(access):
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    results = linking.search(query, limit=50) if query else []
    return render(
        "frameworks/search.html",
        "frameworks/_search_results.html",
        query=query,
        results=results,
        label=linking.element_label,
    )


def _picker_from_args():
    field_name = request.args.get("field", "links")
    if not FIELD_NAME.match(field_name):
        abort(400)
    return build_picker(
        field_name,
        request.args.getlist(field_name),
        request.args.get(f"{field_name}_q", ""),
        add=request.args.get("add"),
        remove=request.args.get("remove"),
    )


@bp.get("/picker")
@partnership_route()
def picker(access):
    """The whole picker, after adding or removing a link (htmx), or as a page of its own."""
    return render("frameworks/picker.html", "frameworks/_link_picker.html", picker=_picker_from_args())


@bp.get("/picker/options")
@partnership_route()
def picker_options(access):
    """Search-as-you-type results for the picker (htmx), or the picker page."""
    return render("frameworks/picker.html", "frameworks/_picker_options.html", picker=_picker_from_args())
