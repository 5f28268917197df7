"""Template globals and filters shared by every page."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user

from .pupil_details import HINT as PUPIL_TEXT_HINT
from .reference import LOCAL_AUTHORITIES, Role, Sector

HTMX_VERSION = "2.0.11"
SCOTLAND = ZoneInfo("Europe/London")


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(SCOTLAND).strftime(fmt)


def local_date(value: datetime | None) -> str:
    return local_time(value, "%-d %B %Y")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["pupil_text_hint"] = PUPIL_TEXT_HINT
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    from .frameworks.linking import element_label

    app.jinja_env.filters["element_label"] = element_label

    @app.context_processor
    def shared_context():
        return {
            "htmx_script": f"vendor/htmx-{HTMX_VERSION}.min.js",
            "access": g.get("access"),
            "current_user": current_user,
            "Role": Role,
            "Sector": Sector,
            "LOCAL_AUTHORITIES": LOCAL_AUTHORITIES,
        }
