from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/p/<int:partnership_id>/reports")

from . import draft_views, views  # noqa: E402,F401
