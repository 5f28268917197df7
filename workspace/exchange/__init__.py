"""Knowledge that moves between partnerships: findings (in their partnership), the library (for
every signed-in person), and the programme view for officers who follow several partnerships."""

from flask import Blueprint

bp = Blueprint("findings", __name__, url_prefix="/p/<int:partnership_id>/findings")
library_bp = Blueprint("library", __name__, url_prefix="/library")
programme_bp = Blueprint("programme", __name__, url_prefix="/programme")
network_bp = Blueprint("network", __name__, url_prefix="/p/<int:partnership_id>/network")

from . import finding_views, library_views, network_views, programme_views  # noqa: E402,F401
