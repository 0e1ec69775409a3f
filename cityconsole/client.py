"""The city console's HTTPS client: mutual TLS with the console's certificate, the city CA
pinned, every failure turned into one bilingual :class:`CityError` the screens show.

No Qt here: the window calls these methods on worker threads (ui/worker.py)."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

TIMEOUT_SECONDS = 15.0


class CityError(Exception):
    """What went wrong, in Chinese and English; ``code`` says which kind (``unreachable``, ...)."""

    def __init__(self, code: str, zh: str, en: str, status: int = 0) -> None:
        super().__init__(f"{code}: {zh} / {en}")
        self.code, self.zh, self.en, self.status = code, zh, en, status


@dataclass(frozen=True)
class ConsoleCredentials:
    cert: Path
    key: Path
    ca: Path


@dataclass(frozen=True)
class CityFile:
    content: bytes
    filename: str


def _tls_failure(text: str) -> tuple[str, str, str] | None:
    lowered = text.lower()
    if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
        return (
            "city_untrusted",
            "市级服务器的证书无法用所给的市级 CA 验证",
            "the city server's certificate does not verify against the given city CA",
        )
    if "alert" in lowered and ("certificate" in lowered or "unknown ca" in lowered):
        return (
            "certificate_refused",
            "市级服务器拒绝了本控制台的证书（证书不是本市 CA 签发或已过期）",
            "the city server refused this console's certificate (not signed by the city's CA, or expired)",
        )
    return None


def _transport_error(url: str, error: Exception) -> CityError:
    text = f"{error} {error.__cause__ or ''} {error.__context__ or ''}"
    tls = _tls_failure(text)
    if tls is not None:
        return CityError(*tls)
    if isinstance(error, httpx.TimeoutException):
        return CityError("timeout", f"市级服务器 {url} 无响应（超时）", f"the city server at {url} did not answer (timed out)")
    return CityError("unreachable", f"无法连接市级服务器 {url}", f"cannot reach the city server at {url}")


def _http_error(response: httpx.Response) -> CityError:
    try:
        body = response.json()
        message = body.get("message") or {}
        return CityError(str(body.get("error") or "error"), str(message.get("zh", "")), str(message.get("en", "")), response.status_code)
    except (ValueError, AttributeError):
        return CityError(
            "error", f"市级服务器返回错误 {response.status_code}", f"the city server answered {response.status_code}", response.status_code
        )


class CityClient:
    """One console's connection to the city. Thread-safe: the TLS context is made once, on the
    first call (a worker thread), so a missing or wrong certificate file arrives as a CityError."""

    def __init__(self, url: str, credentials: ConsoleCredentials, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                creds = self.credentials
                try:
                    context = ssl.create_default_context(cafile=str(creds.ca))
                    context.load_cert_chain(str(creds.cert), str(creds.key))
                except (OSError, ssl.SSLError) as error:
                    raise CityError(
                        "bad_certificate_files",
                        f"无法读取控制台证书、私钥或市级 CA：{error}",
                        f"cannot load the console's certificate, key or city CA: {error}",
                    ) from None
                self._http = httpx.Client(base_url=self.url, verify=context, timeout=self.timeout)
            return self._http

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        http = self._client()
        try:
            response = http.get(path, params=params)
        except httpx.HTTPError as error:
            raise _transport_error(self.url, error) from None
        except ssl.SSLError as error:
            raise _transport_error(self.url, error) from None
        if response.status_code >= 400:
            raise _http_error(response)
        return response

    def halls(self) -> list[dict[str, Any]]:
        return list(self._get("/city/api/halls").json()["halls"])

    def hall(self, code: str) -> dict[str, Any]:
        return dict(self._get(f"/city/api/halls/{code}").json())

    def report(self, start: date, end: date, by: str) -> dict[str, Any]:
        return dict(self._get("/city/api/report", {"start": start.isoformat(), "end": end.isoformat(), "by": by}).json())

    def report_file(self, start: date, end: date, by: str, fmt: str) -> CityFile:
        response = self._get(f"/city/api/report.{fmt}", {"start": start.isoformat(), "end": end.isoformat(), "by": by})
        return CityFile(response.content, _filename(response, f"hallq-city-report.{fmt}"))

    def rankings(self, start: date, end: date) -> list[dict[str, Any]]:
        return list(self._get("/city/api/rankings", {"start": start.isoformat(), "end": end.isoformat()}).json()["rankings"])

    def ratings(self, start: date, end: date) -> list[dict[str, Any]]:
        params = {"start": start.isoformat(), "end": end.isoformat(), "format": "json"}
        return list(self._get("/city/api/ratings", params).json()["records"])

    def ratings_file(self, start: date, end: date, fmt: str) -> CityFile:
        response = self._get("/city/api/ratings", {"start": start.isoformat(), "end": end.isoformat(), "format": fmt})
        return CityFile(response.content, _filename(response, f"hallq-city-ratings.{fmt}"))


def _filename(response: httpx.Response, default: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    if 'filename="' in disposition:
        return disposition.split('filename="', 1)[1].split('"', 1)[0] or default
    return default
