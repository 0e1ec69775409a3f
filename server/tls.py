"""TLS on the hall LAN: the hall's own certificate authority, the server's certificate, and the
programs' pin on that authority.

Server side: on first start the server makes the hall's CA (EC P-256, 20 years, key 0600) and a
server certificate signed by it (the names and addresses it is reached by; 397 days, renewed by
the server 30 days before it ends) in a directory only its user may read (0700).

Device side: enrolment gives a device the CA's SHA-256 fingerprint. A program fetches the CA
certificate once from ``/api/tls/ca.pem`` over an unverified connection, trusts it only if its
fingerprint is the pinned one, and from then on verifies the server (HTTPS and WSS) against that
CA alone, host name included. A wrong fingerprint refuses to connect at all.

No Qt here: ui/events.py gives the same CA to Qt's WebSocket.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import ipaddress
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 20 * 365
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)
CA_PATH = "/api/tls/ca.pem"
CA_FILE, CA_KEY_FILE, CERT_FILE, KEY_FILE = "ca.pem", "ca-key.pem", "server.pem", "server-key.pem"
# The addresses the programs on the server's own machine use: plain HTTP stays allowed on these.
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


# --------------------------------------------------------------------------- addresses


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` never leaves this machine (localhost, 127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")


def tls_by_default(host: str) -> bool:
    """TLS is on for every bind except 127.0.0.1, ::1 and localhost (other loopback addresses
    such as 127.0.0.2 get TLS too, which is how one machine can try the LAN set-up)."""
    return host.strip("[]").lower() not in LOCAL_HOSTS


def loopback_public_url_warning(public_url: str, host: str) -> tuple[str, str] | None:
    """(zh, en) when the hall is served to the LAN but tickets' status links point at loopback,
    so every phone that scans a ticket's QR code would reach nothing. "Served to the LAN" is
    the same rule as TLS's: bound to anything but 127.0.0.1, ::1 or localhost."""
    if not tls_by_default(host) or not is_loopback(urlsplit(public_url).hostname):
        return None
    return (
        f"大厅的 public_url（{public_url}）指向本机回环地址，市民手机扫码打不开；请在大厅配置中改为手机能访问的地址",
        f"the hall's public_url ({public_url}) points to loopback, so phones scanning a ticket reach nothing; "
        "set it in the hall configuration to an address phones can reach",
    )


def server_names(host: str, extra: list[str] | tuple[str, ...] = (), public_url: str = "") -> list[str]:
    """The names and addresses the server certificate covers: loopback, this machine's name and
    addresses, the bound address, the public_url's host and whatever ``--tls-name`` added."""
    names = ["localhost", "127.0.0.1", "::1"]
    hostname = socket.gethostname()
    names.append(hostname)
    with contextlib.suppress(OSError):
        names += [info[4][0] for info in socket.getaddrinfo(hostname, None)]
    if not is_wildcard(host):
        names.append(host.strip("[]"))
    public_host = urlsplit(public_url).hostname if public_url else None
    if public_host:
        names.append(public_host)
    names += [name.strip() for name in extra if name.strip()]
    unique: list[str] = []
    for name in names:
        if name and name.lower() not in (n.lower() for n in unique):
            unique.append(name)
    return unique


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return x509.DNSName(name.lower())


# --------------------------------------------------------------------------- server side


@dataclass(frozen=True)
class HallTls:
    """The server's TLS files: ``cert`` holds the server certificate followed by the CA's."""

    directory: Path
    ca_cert: Path
    cert: Path
    key: Path
    fingerprint: str
    not_after: dt.datetime


def fingerprint(cert: x509.Certificate | bytes) -> str:
    """SHA-256 of the certificate (DER), as ``AB:CD:...`` like ``openssl x509 -fingerprint -sha256``."""
    if isinstance(cert, bytes):
        cert = x509.load_pem_x509_certificate(cert)
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text: str) -> str:
    """64 lower-case hex digits from ``SHA256:AB:CD:...``, ``ab cd ...`` or ``abcd...``."""
    cleaned = text.strip().lower().removeprefix("sha256").lstrip(":= ")
    digits = "".join(ch for ch in cleaned if ch not in ": -")
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise TrustError(
            "bad_ca_fingerprint",
            f"CA 指纹格式不对（应为 64 位十六进制 SHA-256）：{text!r}",
            f"the CA fingerprint is not a SHA-256 (64 hex digits): {text!r}",
        )
    return digits


def _private_directory(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    """Write a key or certificate readable by its owner only, from the first byte on (devices get
    the CA certificate over the API, checked against their pinned fingerprint)."""
    temporary = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def ensure_ca(
    directory: Path, hall_name: str = "hallq", now: dt.datetime | None = None
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The hall's CA, made on first use and kept for good (its fingerprint is what devices pin)."""
    directory = Path(directory)
    _private_directory(directory)
    cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    if cert_path.exists() and key_path.exists():
        os.chmod(key_path, 0o600)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    now = now or dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, hall_name), x509.NameAttribute(NameOID.COMMON_NAME, f"{hall_name} hall CA")]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _server_cert_due(path: Path, ca: x509.Certificate, wanted: list[str], now: dt.datetime) -> bool:
    """Whether the server certificate must be (re)made: missing, not from this CA, ending within
    RENEW_BEFORE, or not covering every wanted name."""
    if not path.exists():
        return True
    try:
        cert = x509.load_pem_x509_certificates(path.read_bytes())[0]
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return True
    if cert.issuer != ca.subject or cert.not_valid_after_utc - RENEW_BEFORE <= now:
        return True
    return not {_general_name(name) for name in wanted} <= set(sans)


def ensure_server_tls(directory: Path, names: list[str], hall_name: str = "hallq", now: dt.datetime | None = None) -> tuple[HallTls, bool]:
    """The CA and a current server certificate for ``names``; True when the certificate was made now."""
    directory = Path(directory)
    now = now or dt.datetime.now(dt.UTC)
    ca, ca_key = ensure_ca(directory, hall_name, now)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    made = _server_cert_due(cert_path, ca, names, now)
    if made:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "hallq")]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([_general_name(name) for name in names]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, encipher_only=False, decipher_only=False), critical=True
            )
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(key_path, _key_pem(key))
        chain = cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
        _write_private(cert_path, chain)
    os.chmod(key_path, 0o600)
    current = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
    return HallTls(directory, directory / CA_FILE, cert_path, key_path, fingerprint(ca), current.not_valid_after_utc), made


def ca_fingerprint(directory: Path, hall_name: str = "hallq") -> str:
    """The fingerprint devices pin (making the CA if this hall has none yet)."""
    return fingerprint(ensure_ca(Path(directory), hall_name)[0])


# --------------------------------------------------------------------------- device side


class TrustError(Exception):
    """The server cannot be trusted (or the pin is unusable); a bilingual message."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{code}: {zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


class CaFetchFailed(TrustError):
    """The CA could not be fetched (server unreachable): try again later, like any offline call."""


def origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    return f"{parts.hostname}:{port}".lower()


class CaPin:
    """The pinned hall CA of one server. ``context`` is an SSL context trusting only that CA; it
    is usable from the start and trusts nothing until :meth:`ensure` loaded the pinned CA."""

    def __init__(self, base_url: str, fingerprint: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.digest = normalize_fingerprint(fingerprint)
        self.timeout = timeout
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # host name checked, certificate required
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.pem: bytes | None = None
        self._lock = threading.Lock()

    def ensure(self) -> bytes:
        """The pinned CA certificate (PEM), fetched once; TrustError when it is not the pinned one."""
        with self._lock:
            if self.pem is None:
                pem = self._fetch()
                self._check(pem)
                self.context.load_verify_locations(cadata=pem.decode("ascii"))
                self.pem = pem
            return self.pem

    def _fetch(self) -> bytes:
        import httpx

        # Unverified on purpose: what arrives is trusted only if its hash is the pinned one.
        blind = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        blind.check_hostname = False
        blind.verify_mode = ssl.CERT_NONE
        try:
            response = httpx.get(self.base_url + CA_PATH, verify=blind, timeout=self.timeout)
        except httpx.TransportError as error:
            raise CaFetchFailed(
                "offline", "无法连接服务器取得大厅证书，正在重试", f"cannot reach the hall server for its CA ({type(error).__name__})"
            ) from error
        if response.status_code != 200:
            raise TrustError(
                "no_hall_ca",
                f"服务器没有提供大厅 CA 证书（{response.status_code}）",
                f"the server offers no hall CA certificate ({response.status_code})",
            )
        return response.content

    def _check(self, pem: bytes) -> None:
        mismatch = TrustError(
            "ca_fingerprint_mismatch",
            "服务器的证书颁发机构与登记时给出的 CA 指纹不符，拒绝连接（可能接错了服务器或遭到冒充）",
            "the server's certificate authority does not match the CA fingerprint given at enrolment; "
            "refusing to connect (wrong server, or someone posing as it)",
        )
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise mismatch from None
        if len(certs) != 1 or not hmac.compare_digest(certs[0].fingerprint(hashes.SHA256()).hex(), self.digest):
            raise mismatch


_pins: dict[str, CaPin] = {}
_pins_lock = threading.Lock()


def pin_server(base_url: str, ca_fingerprint: str) -> CaPin:
    """Pin ``base_url``'s server to the CA with this fingerprint, for every client in this process
    (HTTP clients made later, ``with_token`` copies, the WebSocket streams)."""
    digest = normalize_fingerprint(ca_fingerprint)
    key = origin(base_url)
    with _pins_lock:
        pin = _pins.get(key)
        if pin is None or pin.digest != digest:
            pin = _pins[key] = CaPin(base_url, digest)
        return pin


def pin_for(base_url: str) -> CaPin | None:
    with _pins_lock:
        return _pins.get(origin(base_url))


def forget_pins() -> None:
    with _pins_lock:
        _pins.clear()
