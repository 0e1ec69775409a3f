"""What anyone may see without a token: the phone status page, a ticket's public status without
personal data, and the OpenAPI description of the API."""

from __future__ import annotations

import json
import re

import httpx

from tests.server.conftest import HallServer

PUBLIC_FIELDS = {
    "guide",            # the item's 办事指南 and materials: the hall's catalogue, no one's data
    "department",
    "serving_windows",
    "called_at",
    "number",
    "status",
    "category",
    "window",
    "people_ahead",
    "estimated_wait_minutes",
    "now_calling",
    "hall",
    "issued_at",
    "waiting_in_category",
}


def test_phone_page_is_html_for_the_ticket(hall_server: HallServer) -> None:
    hs = hall_server
    ticket = hs.kiosk().issue("C")
    response = httpx.get(f"{hs.url}/t/{ticket['public_id']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert ticket["public_id"] in response.text
    assert "排队" in response.text
    # whatever is in the path, nothing but letters and digits reaches the page
    hostile = httpx.get(f"{hs.url}/t/ab%3Cscript%3Ealert(1)%22%3E")
    assert hostile.status_code == 200
    assert "<script>alert" not in hostile.text and "abscriptalert1" in hostile.text


def test_public_ticket_has_no_personal_data(hall_server: HallServer) -> None:
    hs = hall_server
    appointment = hs.manager.add_appointment("D", "2026-11-17T11:00:00+08:00", name="张三丰", phone="13812345678", item_code="D01")
    assert appointment["name"] == "张**" and appointment["phone"] == "138****5678"
    kiosk = hs.kiosk()
    ticket = kiosk.check_in(appointment["code"])
    walk_in = kiosk.issue("D", priority_reason=None)

    for public_id in (ticket["public_id"], walk_in["public_id"]):
        response = httpx.get(f"{hs.url}/api/public/tickets/{public_id}")  # no token
        assert response.status_code == 200
        data = response.json()
        assert set(data) <= PUBLIC_FIELDS, set(data) - PUBLIC_FIELDS
        # Timestamps are not personal data, and their digits (microseconds) can contain any secret's.
        text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d)?", "<time>", json.dumps(data, ensure_ascii=False))
        for secret in ("三丰", "13812345678", "5678", "138", "public_id", appointment["code"]):
            assert secret not in text, secret
    assert httpx.get(f"{hs.url}/api/public/tickets/{ticket['public_id']}").json()["number"] == ticket["number"]
    missing = httpx.get(f"{hs.url}/api/public/tickets/0000000000000000")
    assert missing.status_code == 404 and missing.json()["message"]["en"]


def test_openapi_lists_the_routes(hall_server: HallServer) -> None:
    response = httpx.get(f"{hall_server.url}/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    for path, method in [
        ("/api/tickets", "post"),
        ("/api/tickets/{ticket_id}", "get"),
        ("/api/windows/{number}/call-next", "post"),
        ("/api/windows/{number}/start", "post"),
        ("/api/windows/{number}/finish", "post"),
        ("/api/windows/{number}/recall", "post"),
        ("/api/windows/{number}/transfer", "post"),
        ("/api/windows/{number}/pause", "post"),
        ("/api/windows/{number}/categories", "put"),
        ("/api/login", "post"),
        ("/api/ratings", "post"),
        ("/api/devices", "post"),
        ("/api/config/clerks/{staff_no}", "put"),
        ("/api/public/tickets/{public_id}", "get"),
        ("/api/snapshot", "get"),
        ("/t/{public_id}", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing from /openapi.json"
    assert "IssueRequest" in json.dumps(spec["components"]["schemas"])


def test_public_pages_send_security_headers(hall_server: HallServer) -> None:
    """Issue 15: the public pages sent no CSP, X-Frame-Options, Referrer-Policy or Cache-Control.
    A ticket's page is its holder's alone: not framed, not cached, its address not passed on."""
    hs = hall_server
    ticket = hs.kiosk().issue("A")
    for path in (f"/t/{ticket['public_id']}", f"/api/public/tickets/{ticket['public_id']}", "/api/public/tickets/nosuchticket"):
        response = httpx.get(f"{hs.url}{path}")
        assert response.status_code in (200, 404), path
        headers = response.headers
        csp = headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, (path, csp)
        assert headers.get("x-frame-options") == "DENY", path
        assert headers.get("referrer-policy") == "no-referrer", path
        assert "no-store" in headers.get("cache-control", ""), path
        assert headers.get("x-content-type-options") == "nosniff", path
    page = httpx.get(f"{hs.url}/t/{ticket['public_id']}")
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", page.headers["content-security-policy"])
    assert nonce and f'<script nonce="{nonce.group(1)}">' in page.text and f'<style nonce="{nonce.group(1)}">' in page.text
    assert ' style="' not in page.text, "inline style attributes would need 'unsafe-inline'"
    again = httpx.get(f"{hs.url}/t/{ticket['public_id']}").headers["content-security-policy"]
    assert again != page.headers["content-security-policy"], "a fresh nonce for every response"
