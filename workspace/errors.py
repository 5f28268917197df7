"""Error pages. htmx requests get a short message they can show; the session-ended case redirects."""

from flask import Flask, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .htmx import is_htmx, sign_in_required

MESSAGES = {
    400: ("Something in that request was wrong", "Please go back, check what you entered and try again."),
    403: (
        "You cannot do that here",
        "Your role in this partnership does not allow this. Ask a partnership lead if you need it.",
    ),
    404: ("Page not found", "The page you asked for does not exist, or it is not part of your partnership."),
    405: ("That does not work here", "This address does not accept that kind of request."),
    413: ("That is too large", "What you sent is larger than the workspace accepts. Please shorten it."),
    415: (
        "That is not a form",
        "This address accepts what its form sends and nothing else. Please use the form on the page.",
    ),
    429: (
        "Too many attempts",
        "There have been too many failed attempts to sign in. Please wait a few minutes and try again.",
    ),
    500: (
        "Something went wrong",
        "The workspace could not finish that. Nothing you saved before is lost; please try again.",
    ),
}


def _render(status: int, detail: str | None = None):
    title, message = MESSAGES[status]
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=detail or message), status


def _said(error) -> str | None:
    """The reason a view gave (abort(403, description=...)), where it gave one; else the page's
    own message. (Werkzeug's default descriptions are written for developers, not for users.)"""
    description = getattr(error, "description", None)
    return description if description and description != type(error).description else None


def init_app(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, lambda error, status=status: _render(status, _said(error)))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        # An expired session loses its CSRF token too: htmx must send the person to sign in
        # again rather than swap an error into the page.
        if is_htmx() and not current_user.is_authenticated:
            return sign_in_required()
        return _render(
            400, "This form has expired or did not come from this site. Please reload the page and try again."
        )
