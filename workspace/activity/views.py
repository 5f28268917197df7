"""The partnership's activity feed, and comments on trios, research lessons and actions."""

from flask import Response, flash, request, url_for
from flask_login import current_user

from ..access import Permission, commentable_in, partnership_route
from ..forms_common import parse_id
from ..htmx import is_htmx, redirect_to, render
from ..saving import saving
from . import bp, services
from .forms import CommentForm
from .forms_context import comments_context


@bp.get("/activity")
@partnership_route()
def feed(access):
    """Newest first. The page asks every 10 s; with nothing new the answer is 204."""
    since = request.args.get("since", "")
    newest = services.newest_id(access.partnership_id)
    if is_htmx() and parse_id(since) == newest:
        return Response(status=204)
    return render(
        "activity/feed.html",
        "activity/_feed.html",
        entries=services.feed(access.partnership_id),
        newest=newest,
    )


def _record_page(access, record_type, record):
    """Where a comment on this record is read."""
    pid = access.partnership_id
    if record_type == "action":
        return url_for(
            "actions.detail", partnership_id=pid, action_id=record.id
        ), f"the action “{record.title}”"
    if record_type == "report":
        return (
            url_for("reports.draft", partnership_id=pid, report_id=record.id),
            f"the interim report “{record.title}”",
        )
    if record_type == "trio":
        return url_for("trios.trio", partnership_id=pid, trio_id=record.id), f"the trio “{record.name}”"
    return (
        url_for("trios.discussion", partnership_id=pid, trio_id=record.trio_id, lesson_id=record.id),
        f"{record.title.lower()} of a trio",
    )


@bp.post("/comments/<record_type>/<int:record_id>")
@partnership_route(Permission.COMMENT)
def comment(access, record_type, record_id):
    """Members and reviewers comment; reviewers change nothing else. Nobody comments in an
    archived partnership: it is read-only for everyone."""
    record = commentable_in(access, record_type, record_id)
    form = CommentForm()
    page_url, described = _record_page(access, record_type, record)
    if form.validate():
        with saving(form) as saved:
            services.add_comment(access.partnership_id, record_type, record.id, current_user, form.text.data)
            services.record(
                access.partnership_id,
                current_user,
                "commented",
                record_type,
                record.id,
                f"commented on {described}",
                page_url + "#comments",
            )
        if saved.ok:
            if not is_htmx():
                flash("Your comment has been added.")
                return redirect_to(page_url + "#comments")
            return render(
                "activity/comment_page.html",
                "activity/_comments.html",
                201,
                **comments_context(record_type, record.id),
            )
    return render(
        "activity/comment_page.html",
        "activity/_comments.html",
        422,
        page_url=page_url,
        **comments_context(record_type, record.id, form),
    )
