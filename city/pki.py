"""The city's certificate authority: the city server's certificate and one client certificate
per hall (and per city console), built the way the hall's own TLS is (server/tls.py: EC P-256,
keys 0600 in a 0700 directory).

A hall certificate's common name is the hall code and its organisational unit ``hall``; the city
takes the hall's identity from it, never from a request body. A console's unit is ``console``.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.tls import CA_FILE, HallTls, _key_pem, _private_directory, _write_private, ensure_ca, ensure_server_tls

CITY_CA_NAME = "city"
CLIENT_DAYS = 397
HALL_UNIT, CONSOLE_UNIT = "hall", "console"


def ensure_city_tls(directory: Path, names: list[str]) -> HallTls:
    """The city CA and the city server's certificate (renewed like a hall server's)."""
    return ensure_server_tls(directory, names, CITY_CA_NAME)[0]


@dataclass(frozen=True)
class ClientFiles:
    cert: Path
    key: Path
    ca: Path


def issue_client_certificate(ca_directory: Path, name: str, unit: str, out_directory: Path, now: dt.datetime | None = None) -> ClientFiles:
    """A client certificate for hall ``name`` (or console), signed by the city CA, written with its
    key and the city CA's certificate to ``out_directory`` (to be copied to the hall's machine)."""
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "-_." for ch in name):
        raise ValueError("名称只能含字母、数字、-_. / the name may hold letters, digits and -_. only (1-64)")
    now = now or dt.datetime.now(dt.UTC)
    ca, ca_key = ensure_ca(Path(ca_directory), CITY_CA_NAME)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CLIENT_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    out = Path(out_directory)
    _private_directory(out)
    files = ClientFiles(out / f"{name}.pem", out / f"{name}-key.pem", out / "city-ca.pem")
    _write_private(files.key, _key_pem(key))
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    _write_private(files.ca, (Path(ca_directory) / CA_FILE).read_bytes())
    return files


def server_context(tls: HallTls) -> dict[str, object]:
    """uvicorn's TLS options for the city: its certificate, and a client certificate from the
    city CA required of every connection."""
    return {
        "ssl_certfile": str(tls.cert),
        "ssl_keyfile": str(tls.key),
        "ssl_ca_certs": str(tls.ca_cert),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
