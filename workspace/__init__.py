"""Partnership Workspace: the application factory."""

from __future__ import annotations

import os
import re

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from . import config as config_module
from . import database
from .extensions import csrf, db, login_manager, migrate


class CleanMultiDict(ImmutableMultiDict):
    """Form and query values without control characters (tab and line feed stay), and with every
    line break a single line feed. PostgreSQL refuses NUL bytes, XML cannot hold the rest, and no
    person types them. A browser sends a text area's line breaks as CR LF (the HTML standard) while
    its character count sees one character: made "\n" here, a line break counts once against every
    limit, and what is stored, shown and exported has one kind of line break."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        items = (
            mapping.items(multi=True)
            if isinstance(mapping, MultiDict)
            else (mapping.items() if isinstance(mapping, dict) else mapping)
        )
        super().__init__(
            [(key, clean_text(value) if isinstance(value, str) else value) for key, value in items]
        )


def clean_text(value: str) -> str:
    """`value` with CR LF and a lone CR made LF, and the other control characters but tab dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class WorkspaceRequest(Request):
    parameter_storage_class = CleanMultiDict


# What a form sends. Flask-WTF reads a JSON body as the form, which lets numbers in where text is
# expected and skips the cleaning above: every state-changing route takes forms and nothing else.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_bodies_that_are_not_forms():
    """415 for a state-changing request whose body is not a form. An empty body needs no type."""
    if request.method not in STATE_CHANGING or request.mimetype in FORM_MIMETYPES:
        return None
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return None
    abort(415)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = WorkspaceRequest
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(config_module.Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    # Most hosts set these two without a prefix; any setting can be given as WORKSPACE_<NAME>.
    app.config.update(
        {name: os.environ[name] for name in ("SECRET_KEY", "DATABASE_URL") if os.environ.get(name)}
    )
    app.config.from_prefixed_env("WORKSPACE")
    if test_config is not None:
        app.config.update(test_config)
    _configure_database_url(app)
    _refuse_to_start_without_secret_key(app)

    os.makedirs(app.instance_path, exist_ok=True)
    proxies = int(app.config["PROXY_FIX_FORWARDED"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to add middleware; its types declare wsgi_app a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    from . import evidence

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    # Templates get current_user from templating.py, as the lazy proxy: a fragment that never
    # mentions it does not load the account.
    login_manager.init_app(app, add_context_processor=False)
    # Before the CSRF check, which would otherwise read the body as a form.
    app.before_request(refuse_bodies_that_are_not_forms)
    # Before the CSRF check too: an upload's request may be larger than other forms.
    app.before_request(evidence.uploads.allow_upload_size)
    csrf.init_app(app)
    evidence.init_app(app)
    with app.app_context():
        database.tune_sqlite(app)
        database.tune_postgresql(app)

    from . import (
        actions,
        activity,
        admin,
        auth,
        errors,
        exchange,
        frameworks,
        htmx,
        mail,
        partnerships,
        privacy,
        reports,
        security,
        selfeval,
        templating,
        trios,
    )
    from .cli import register_commands
    from .mail import sending as mail_sending

    _listen_to_session()
    security.init_app(app)
    auth.two_step.init_app(app)
    auth.saml.init_app(app)
    htmx.init_app(app)
    templating.init_app(app)
    mail_sending.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(partnerships.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(frameworks.bp)
    app.register_blueprint(trios.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(selfeval.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(exchange.bp)
    app.register_blueprint(exchange.library_bp)
    app.register_blueprint(exchange.programme_bp)
    app.register_blueprint(exchange.network_bp)
    app.register_blueprint(evidence.bp)
    register_commands(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def _listen_to_session() -> None:
    """The session events that keep versions and histories in step with a change, in the same
    transaction: each lesson's feed version (the poll) and each action's status history (the
    interim report); and, after a commit, the evidence files' blobs nothing refers to any more."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from .actions import status_history
    from .evidence import services as evidence_files
    from .trios import feed_changes

    for module in (status_history, feed_changes, evidence_files):
        for name, listener in module.LISTENERS:
            if not event.contains(Session, name, listener):
                event.listen(Session, name, listener)


class BoundedIntConverter(IntegerConverter):
    """<int:...> in every route, no larger than a database id can be (INTEGER: 32 bits on
    PostgreSQL): a longer number is a 404, not an overflow deep in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _configure_database_url(app: Flask) -> None:
    url = app.config.pop("DATABASE_URL", None) or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "workspace.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(url)
    if url.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _refuse_to_start_without_secret_key(app: Flask) -> None:
    if not app.config.get("SECRET_KEY") and not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set. Put SECRET_KEY = '...' in instance/config.py or set the "
            "SECRET_KEY (or WORKSPACE_SECRET_KEY) environment variable; `make run` creates one."
        )
