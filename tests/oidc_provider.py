"""A real OpenID provider for the tests, on 127.0.0.1: discovery, an authorization endpoint that
signs in whoever the test says (no login page), a token endpoint that checks the client's secret
and PKCE, and ID tokens signed with RS256 by joserfc. Like Microsoft's multi-tenant endpoint, its
discovery document can announce its issuer with a {tenantid} placeholder. A test can tamper with
the next token's claims to see the workspace refuse it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from markupsafe import escape
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "workspace-test-client"
CLIENT_SECRET = "workspace-test-secret"


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class OpenIDProvider:
    def __init__(self, tenant_issuer: bool = True):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"}, private=True)
        self.tenant_issuer = tenant_issuer
        self.person: dict = {}  # claims of whoever signs in next: sub, tid, email, name
        self.tamper: dict = {}  # claims of the next token replaced (None removes one)
        self.codes: dict[str, dict] = {}
        self.ask_first = False  # show a page with a Continue button before answering
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=QuietHandler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    @property
    def discovery_url(self) -> str:
        return self.base + "/.well-known/openid-configuration"

    def issuer_for(self, tenant: str) -> str:
        return f"{self.base}/{tenant}/v2.0" if self.tenant_issuer else self.base

    def _make_app(self) -> Flask:
        app = Flask("test_openid_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer_for("{tenantid}"),
                authorization_endpoint=self.base + "/authorize",
                token_endpoint=self.base + "/token",
                jwks_uri=self.base + "/keys",
                response_types_supported=["code"],
                subject_types_supported=["pairwise"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/keys")
        def keys():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            """Signs in at once, or (with a `consent` person set) shows a page with a button first,
            for the browser journey."""
            args = request.args
            if self.ask_first and request.method == "GET" and "confirmed" not in args:
                return (
                    "<!doctype html><title>Test provider</title><h1>Test OpenID provider</h1>"
                    f"<p>Sign in as {escape(self.person.get('name', ''))}?</p>"
                    f'<form method="get"><input type="hidden" name="confirmed" value="1">'
                    + "".join(
                        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                        for k, v in args.items()
                    )
                    + "<button>Continue</button></form>"
                )
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400)  # PKCE is required here, as it should be everywhere
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": args.get("nonce"),
                "challenge": args["code_challenge"],
                "redirect_uri": args["redirect_uri"],
                "person": dict(self.person),
            }
            return redirect(
                args["redirect_uri"] + "?" + urlencode({"code": code, "state": args.get("state", "")})
            )

        @app.post("/token")
        def token():
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
            if grant is None or challenge.decode() != grant["challenge"]:
                return jsonify(error="invalid_grant"), 400
            if request.form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify(error="invalid_grant"), 400
            person = grant["person"]
            now = int(time.time())
            claims = {
                "iss": self.issuer_for(person.get("tid", "")),
                "aud": CLIENT_ID,
                "iat": now,
                "nbf": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                **person,
            }
            for name, value in self.tamper.items():
                if value is None:
                    claims.pop(name, None)
                else:
                    claims[name] = value
            id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
            return jsonify(
                access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300, id_token=id_token
            )

        return app
