from flask import Blueprint

bp = Blueprint("actions", __name__, url_prefix="/p/<int:partnership_id>/actions")

from . import views  # noqa: E402,F401
