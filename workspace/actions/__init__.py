from flask import Blueprint

bp = Blueprint("actions", __name__, url_prefix="/p/<int:partnership_id>/actions")

from . import changes, status_history, views  # noqa: E402,F401
