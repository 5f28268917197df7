from flask import Blueprint

bp = Blueprint("trios", __name__, url_prefix="/p/<int:partnership_id>/trios")

from . import lesson_views, observe_views, reflect_views, views  # noqa: E402,F401
