from flask import Blueprint

bp = Blueprint("frameworks", __name__, url_prefix="/p/<int:partnership_id>/frameworks")

from . import views  # noqa: E402,F401
