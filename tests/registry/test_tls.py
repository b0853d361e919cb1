"""HTTPS through the guard: connect to the checked address, verify the certificate against the
host NAME (SNI), and refuse a certificate for another name."""

from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from weightscan.core.fetch import FetchFailed, FetchPolicy, open_url, parse_networks

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

NAME = "hub.registry.test"


def _cert(subject: str, key, issuer_name, issuer_key, *, ca: bool):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def tls_server(tmp_path):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weightscan test CA")])
    ca = _cert("weightscan test CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(NAME, key, ca_name, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen: list[tuple[str | None, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.headers.get("Host"), getattr(self.connection, "sni", None)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    def remember_sni(sock, server_name, _ctx):
        sock.sni = server_name

    context.sni_callback = remember_sni
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd.server_address[1], str(tmp_path / "ca.pem"), seen
    httpd.shutdown()
    httpd.server_close()


def _policy(ca_file: str) -> FetchPolicy:
    return FetchPolicy(
        allowed_schemes=("https",),
        allowed_hosts=("*.registry.test",),
        allow_private=parse_networks(("127.0.0.1",)),
        ca_file=ca_file,
        connect_timeout=2,
        read_timeout=2,
        total_timeout=5,
        resolver=lambda host, port: ["127.0.0.1"],
    )


def test_https_to_the_pinned_address_verifies_the_name(tls_server):
    port, ca_file, seen = tls_server
    with open_url(f"https://{NAME}:{port}/x", _policy(ca_file)) as response:
        assert response.read_limited(10) == b"ok"
    assert seen == [(f"{NAME}:{port}", NAME)]


def test_certificate_for_another_name_is_refused(tls_server):
    port, ca_file, seen = tls_server
    with pytest.raises(FetchFailed, match="TLS"):
        open_url(f"https://other.registry.test:{port}/x", _policy(ca_file)).__enter__()
    assert seen == []


def test_untrusted_certificate_is_refused(tls_server):
    port, _ca_file, seen = tls_server
    with pytest.raises(FetchFailed, match="TLS"):
        open_url(f"https://{NAME}:{port}/x", _policy("")).__enter__()
    assert seen == []
