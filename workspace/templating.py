"""Template globals and filters shared by every page."""
import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup, escape

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


def choice_inputs(field, input_type: str = "radio", wrapper: str = "toggle") -> Markup:
    """A radio or checkbox per choice of a WTForms choice field, each in its wrapper with its
    label (macros/forms.html: choice_inputs). The same field with the same choices and the same
    selection is written once per process: the observation form answers every post with them."""
    choices = tuple((str(choice.value), str(choice.label), bool(choice.selected)) for choice in field.iter_choices())
    return _choice_inputs(field.id, field.name, bool(field.flags.required), input_type, wrapper, choices)


@functools.lru_cache(maxsize=2048)
def _choice_inputs(field_id: str, name: str, required: bool, input_type: str, wrapper: str,
                   choices: tuple[tuple[str, str, bool], ...]) -> Markup:
    field_id, name, input_type, wrapper = escape(field_id), escape(name), escape(input_type), escape(wrapper)
    return Markup("".join(
        f'<div class="{wrapper}"><input{" checked" if selected else ""} id="{field_id}-{index}" name="{name}"'
        f'{" required" if required else ""} type="{input_type}" value="{escape(value)}"> '
        f'<label for="{field_id}-{index}">{escape(label)}</label></div>\n'
        for index, (value, label, selected) in enumerate(choices)))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["render_choice_inputs"] = choice_inputs
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
