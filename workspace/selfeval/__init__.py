from flask import Blueprint

bp = Blueprint("selfeval", __name__, url_prefix="/p/<int:partnership_id>/self-evaluation")

from . import views  # noqa: E402,F401
