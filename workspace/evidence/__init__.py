"""Evidence files: photos of pupils' work and documents, attached to progress updates,
observations, pupil-voice notes and self-evaluations, and served only through access checks."""

from flask import Blueprint, Flask

bp = Blueprint("evidence", __name__, url_prefix="/p/<int:partnership_id>")

from . import storage, uploads, views  # noqa: E402,F401

KINDS = {
    "image/jpeg": "JPEG image",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
    "text/plain": "plain text",
}


def kind_of(content_type: str) -> str:
    """What a file is, in words (a list of files says it beside each caption)."""
    return KINDS.get(content_type, "file")


def size_in_words(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def init_app(app: Flask) -> None:
    storage.init_app(app)
    app.jinja_env.filters["evidence_kind"] = kind_of
    app.jinja_env.filters["evidence_size"] = size_in_words
