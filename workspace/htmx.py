"""Fragment-or-page rendering and the htmx conventions every view shares.

A page template includes its fragment template, so the full page and the htmx response
can never drift apart. Responses vary on HX-Request so caches keep them apart too.
"""

from __future__ import annotations

from flask import Flask, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse


def is_htmx() -> bool:
    # A history restore asks for the whole page, even though htmx sent the request.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, /, **context) -> tuple[str, int]:
    """The fragment for htmx, the whole page otherwise."""
    return render_template(fragment if is_htmx() else page, **context), status


def redirect_to(url: str) -> BaseResponse:
    """After a successful POST: a 303 for a plain form, an HX-Redirect for htmx."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def sign_in_required() -> BaseResponse:
    """Where the session has ended. htmx must not swap a sign-in form into a fragment."""
    sign_in = url_for("auth.sign_in", next=_current_path())
    if is_htmx():
        response = Response("Your session has ended. Please sign in again.", status=401)
        response.headers["HX-Redirect"] = sign_in
        return response
    return redirect(sign_in)


def _current_path() -> str:
    # For htmx, the page the person is looking at, not the fragment URL.
    current = request.headers.get("HX-Current-URL") if is_htmx() else None
    if current:
        from urllib.parse import urlsplit

        parts = urlsplit(current)
        if parts.netloc == request.host:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_on_hx_request(response):
        response.vary.add("HX-Request")
        return response
