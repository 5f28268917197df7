from flask import Blueprint

bp = Blueprint("activity", __name__, url_prefix="/p/<int:partnership_id>")

from . import views  # noqa: E402,F401
