"""Aurora's connection refuses a server it cannot verify and a server that asks for a clear-text password."""

import datetime
import ipaddress
import socket
import ssl
import struct
import threading
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from retail_assets.defs.resources.aws.warehouse import conninfo_from_secret

PASSWORD = "aurora-password-never-sent"
SSL_REQUEST_CODE = 80877103
CLEARTEXT_PASSWORD = 3


def _certificate(subject: str, issuer_key, issuer_name, public_key, ca: bool, ip: str | None = None):
    """A certificate for subject, signed by issuer_key."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(thing) -> bytes:
    return thing.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 it signed, and a second CA that signed nothing."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, other_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("test rds ca", ca_key, None, ca_key.public_key(), ca=True)
    other = _certificate("another ca", other_key, None, other_key.public_key(), ca=True)
    server = _certificate("127.0.0.1", ca_key, ca.subject, server_key.public_key(), ca=False, ip="127.0.0.1")
    files = {"ca": _pem(ca), "other_ca": _pem(other), "server_cert": _pem(server)}
    files["server_key"] = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.pem"
        paths[name].write_bytes(content)
    return paths


class CleartextAskingServer:
    """A fake PostgreSQL on 127.0.0.1: TLS with the given certificate, then asks for a clear-text password."""

    def __init__(self, pki: dict[str, Path]):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(pki["server_cert"], pki["server_key"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[bytes] = []  # every byte the client sent after the TLS handshake
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(20)
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(10)
            length, code = struct.unpack("!II", connection.recv(8))
            assert (length, code) == (8, SSL_REQUEST_CODE)
            connection.sendall(b"S")
            try:
                tls = self.context.wrap_socket(connection, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused the certificate
            with tls:
                self.received.append(tls.recv(65536))  # the startup message
                tls.sendall(b"R" + struct.pack("!II", 8, CLEARTEXT_PASSWORD))
                try:
                    while chunk := tls.recv(65536):
                        self.received.append(chunk)
                except (ssl.SSLError, OSError):
                    pass

    def close(self) -> None:
        self.listener.close()
        self.thread.join(30)

    def got_password(self) -> bool:
        """Whether the client answered with a password message."""
        return any(PASSWORD.encode() in chunk for chunk in self.received)


def _secret(port: int, **extra) -> dict:
    return {"host": "127.0.0.1", "port": port, "dbname": "retail", "username": "loader", "password": PASSWORD, **extra}


def _connect(conninfo: str) -> Exception:
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(conninfo, connect_timeout=10)
    return refused.value


def test_a_server_asking_for_a_clear_text_password_gets_none(pki):
    server = CleartextAskingServer(pki)
    try:
        error = _connect(conninfo_from_secret(_secret(server.port), str(pki["ca"])))
    finally:
        server.close()
    assert "server requested a cleartext password" in str(error)
    assert server.received, "the client never got past TLS: the test would prove nothing"
    assert not server.got_password()
    assert PASSWORD not in str(error)


def test_a_server_whose_certificate_does_not_chain_to_the_bundle_is_refused(pki):
    server = CleartextAskingServer(pki)
    try:
        error = _connect(conninfo_from_secret(_secret(server.port), str(pki["other_ca"])))
    finally:
        server.close()
    assert "certificate verify failed" in str(error)
    assert server.received == []


def test_the_old_setting_would_have_sent_the_password(pki):
    """The control: `sslmode=require` without require_auth hands the fake server the password."""
    server = CleartextAskingServer(pki)
    try:
        conninfo = conninfo_from_secret(_secret(server.port, sslmode="require"))
        _connect(conninfo.replace("require_auth=scram-sha-256", ""))
    finally:
        server.close()
    assert server.got_password()


def test_the_bundled_libpq_supports_require_auth():
    assert psycopg.pq.version() >= 160000
