"""What a page needs to show a record's comments and the form to add one."""

from . import services
from .forms import CommentForm


def comments_context(record_type: str, record_id: int, form: CommentForm | None = None) -> dict:
    return {
        "comments": services.comments(record_type, record_id),
        "comment_form": form or CommentForm(formdata=None),
        "comment_target": (record_type, record_id),
    }
