from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import oidc, saml, single_sign_on, two_step, views  # noqa: E402,F401
