"""The size of an upload's request: larger than other forms may be, for the routes that take files."""

from __future__ import annotations

from flask import current_app, request

# The form around the file (its caption, ids and CSRF token) may add this much.
FORM_ALLOWANCE = 1024 * 1024


def takes_uploads(view):
    """Marks a view whose request may carry one file of up to UPLOAD_MAX_MB."""
    view.takes_uploads = True
    return view


def allow_upload_size() -> None:
    """Raises the request's size limit (MAX_CONTENT_LENGTH, 2 MB) for the routes that take files,
    before anything reads the body. A larger request is refused with 413 before it is read whole."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "takes_uploads", False):
        request.max_content_length = int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024 + FORM_ALLOWANCE
