"""The two encrypted ways to a mail server, STARTTLS and TLS from the start, each with the SMTP
sign-in, against aiosmtpd holding a certificate made for the test (trusted through SSL_CERT_FILE,
so the workspace's own certificate check is the one that runs)."""

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.mailbox import Recorder, free_port
from tests.test_invites import make_invite
from tests.test_mail_outbox import send_mail


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Valid whatever the clock says (the suite's frozen one, OpenSSL's real one, or 400 days on).
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def signed_in(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"ws", b"s3cret")
    return AuthResult(success=ok)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_starttls_or_tls_with_a_sign_in(
    security, certificate, client, world, app, mailbox, monkeypatch, frozen_clock
):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    options = dict(authenticator=signed_in, auth_required=True)
    if security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    else:
        # aiosmtpd does not count a connection that was TLS from the start as TLS for AUTH.
        options.update(ssl_context=context, auth_require_tls=False)
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **options)
    controller.start()
    try:
        for name, value in {
            "MAIL_PORT": port,
            "MAIL_SECURITY": security,
            "MAIL_USERNAME": "ws",
            "MAIL_PASSWORD": "s3cret",
        }.items():
            monkeypatch.setitem(app.config, name, value)
        client.sign_in(world["a"]["lead"])
        make_invite(client, world, "secure@example.org")
        output = send_mail(app)  # a certificate nobody vouches for: refused, the message kept
        assert "to retry later 1" in output and "CERTIFICATE_VERIFY_FAILED" in output
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        frozen_clock.shift(dt.timedelta(minutes=6))
        assert "Sent 1;" in send_mail(app)
        [message] = recorder.messages
        assert message["To"] == "secure@example.org"
    finally:
        controller.stop()
