from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/p/<int:partnership_id>/data")

from . import views  # noqa: E402,F401
