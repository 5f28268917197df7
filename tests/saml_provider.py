"""A SAML identity provider for the tests: pysaml2's own IdP (saml2.server.Server), signing with a
key and certificate made here with `cryptography`, standing in for RM Unify. It reads the
authentication requests the workspace sends and answers them, or answers nobody (the Glow Launch
Pad's IdP-initiated sign-in), with whatever the test wants to try on the workspace."""

from __future__ import annotations

import base64
import datetime
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, Response
from flask import request as flask_request
from markupsafe import escape
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import get_xmlsec_binary
from werkzeug.serving import make_server

from tests.oidc_provider import QuietHandler

IDP_ENTITY_ID = "https://idp.glow.test/metadata"
METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
PASSWORD_AUTHN = {"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}


def make_key_and_certificate(folder: Path, name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test idp {name}")])
    # Wide validity: the suite also runs with its clock 400 days ahead.
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
        .not_valid_after(datetime.datetime(2045, 1, 1, tzinfo=datetime.UTC))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


class IdentityProvider:
    """One signing key of the provider: `old` and `new` are two of these with one entity id."""

    def __init__(
        self, folder: Path, key_name: str, sp_metadata: str, sso_url: str = "https://idp.glow.test/sso"
    ):
        self.key_file, self.cert_file = make_key_and_certificate(folder, key_name)
        config = IdPConfig()
        config.load(
            {
                "entityid": IDP_ENTITY_ID,
                "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                    }
                },
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "metadata": {"inline": [sp_metadata]},
            }
        )
        self.config = config
        self.server = Server(config=config)

    def metadata(self) -> str:
        return create_metadata_string(None, config=self.config, valid=24 * 365).decode()

    def read_request(self, location: str):
        """The AuthnRequest in the redirect the workspace answered with."""
        query = parse_qs(urlsplit(location).query)
        return self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT).message

    def response(
        self,
        acs_url: str,
        audience: str,
        in_response_to: str | None,
        subject: str = "glow-guid-1",
        email: str = "m.campbell@glow.sch.uk",
        sign: bool = True,
    ) -> str:
        """A SAMLResponse, base64 as the browser posts it."""
        xml = self.server.create_authn_response(
            identity={"uid": [subject], "mail": [email], "displayName": ["Morag Campbell"]},
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"nameid-{subject}"),
            authn=PASSWORD_AUTHN,
            sign_assertion=sign,
            sign_response=False,
        )
        return base64.b64encode(str(xml).encode()).decode()


def metadata_with_both(old: IdentityProvider, new: IdentityProvider) -> str:
    """The metadata during a rollover: the old certificate's and the new one's, side by side."""
    descriptor = f"{{{METADATA_NS}}}IDPSSODescriptor"
    new_tree, old_tree = ElementTree.fromstring(new.metadata()), ElementTree.fromstring(old.metadata())
    into = new_tree.find(descriptor)
    for position, key in enumerate(old_tree.find(descriptor).findall(f"{{{METADATA_NS}}}KeyDescriptor")):
        into.insert(position, key)
    return ElementTree.tostring(new_tree, encoding="unicode")


def tamper(saml_response: str, old: str, new: str) -> str:
    xml = base64.b64decode(saml_response).decode()
    assert old in xml
    return base64.b64encode(xml.replace(old, new).encode()).decode()


class MetadataServer:
    """Serves whatever `xml` is at /metadata on 127.0.0.1, as RM serves its metadata."""

    def __init__(self):
        self.xml = ""
        app = Flask("test_idp_metadata")
        app.add_url_rule("/metadata", "metadata", lambda: Response(self.xml, mimetype="application/xml"))
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/metadata"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


class IdentityProviderPages:
    """The provider's sign-in page on 127.0.0.1, reached as "localhost" so that it is another site
    for the browser: it reads the workspace's request and answers with a page whose Continue button
    posts the signed response across sites, as RM Unify's does."""

    def __init__(self, folder: Path, sp_metadata: str, subject: str, email: str):
        app = Flask("test_idp_pages")
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://localhost:{self.server.server_port}/sso"
        self.idp = IdentityProvider(folder, "journey", sp_metadata, sso_url=self.url)

        @app.get("/sso")
        def single_sign_on():
            request_message = self.idp.read_request(flask_request.url)
            acs = request_message.assertion_consumer_service_url
            answer = self.idp.response(acs, request_message.issuer.text, request_message.id, subject, email)
            return (
                "<!doctype html><title>Test Glow</title><h1>Test Glow</h1>"
                f'<form method="post" action="{escape(acs)}">'
                f'<input type="hidden" name="SAMLResponse" value="{escape(answer)}">'
                "<button>Continue</button></form>"
            )

        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)
