"""CSRF, security headers and sanitised Markdown."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tracker.models import StatusUpdate
from tracker.security import vary
from tracker.templating import render_markdown
from tracker.vocabulary import Role

from .helpers import PASSWORD, SLUG, update_form


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_token_less_posts_are_refused_and_store_nothing(
    csrf_app: Flask, db: Session, make_user
) -> None:
    client = csrf_app.test_client()
    user = make_user(Role.ANALYST)
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    assert "The form had expired or was not sent from this site." in refused.get_data(as_text=True)

    # Log in properly, with the token the form carries.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )

    response = client.post(f"/recommendations/{SLUG}/updates/new", data=update_form())
    assert response.status_code == 400
    assert client.post("/logout").status_code == 400
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 0


@pytest.mark.parametrize("path", ["/login", "/", f"/recommendations/{SLUG}", "/no-such-page"])
def test_security_headers_on_pages_and_errors(client, analyst, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_lax(client, make_user, auth) -> None:
    response = auth.login(make_user(Role.VIEWER))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "markdown, forbidden",
    [
        ("<script>alert(1)</script>", "script"),
        ("[x](javascript:alert(1))", "javascript"),
        ('<img src=x onerror="alert(1)">', "img"),
        ("<svg onload=alert(1)>", "svg"),
        ("[d](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ("<p>broken <b>markup <i>here", "<b"),
        ("<a href='https://x.example' onclick='alert(1)'>x</a>", "onclick"),
    ],
)
def test_markdown_is_sanitised(markdown: str, forbidden: str) -> None:
    """Nothing dangerous survives as markup; at most it is shown as text."""
    tags = re.findall(r"<[a-zA-Z][^>]*>", render_markdown(markdown))
    assert tags and not [tag for tag in tags if forbidden in tag.lower()]


def test_markdown_links_get_safe_rel() -> None:
    html = render_markdown("[report](https://example.org/r)")
    assert '<a href="https://example.org/r" rel="noopener noreferrer nofollow">report</a>' in html


def test_assessment_with_script_is_shown_inert(client, analyst) -> None:
    client.post(
        f"/recommendations/{SLUG}/updates/new",
        data=update_form(assessment='<script>alert("x")</script> **bold**'),
    )
    page = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page and "<strong>bold</strong>" in page


def test_server_error_shows_a_reference_and_logs_the_traceback(
    app: Flask, client, make_user, auth, caplog
) -> None:
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", view_func=boom)  # before the first request, as Flask requires
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login(make_user(Role.VIEWER))
    response = client.get("/boom", headers={"X-Request-ID": "req-123"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Quote this reference if you report it: req-123." in page
    assert "secret internals" not in page and "Traceback" not in page
    assert response.headers["X-Request-ID"] == "req-123"
    assert response.headers["Content-Security-Policy"]
    record = next(r for r in caplog.records if "request req-123 failed" in r.getMessage())
    assert record.exc_info and "secret internals" in str(record.exc_info[1])


def test_request_ids_are_generated_when_absent_or_unsafe(client) -> None:
    generated = client.get("/login").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    unsafe = client.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert unsafe != "<script>"


def test_hsts_only_when_served_over_https(app: Flask, client) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_trusted_hosts_refuse_other_host_headers(app: Flask, client) -> None:
    app.config["TRUSTED_HOSTS"] = ["tracker.example.org"]
    assert client.get("/login", base_url="http://evil.example.com").status_code == 400
    assert client.get("/login", base_url="http://tracker.example.org").status_code == 200


def test_nul_characters_are_refused_with_400(client, analyst) -> None:
    assert client.get("/", query_string={"actor": "\x00"}).status_code == 400
    response = client.get("/api/v1/recommendations", query_string={"actor": "\x00"})
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize(
    "given, name, expected",
    [
        (None, "Cookie", "Cookie"),
        ("Accept-Language", "Cookie", "Accept-Language, Cookie"),
        ("Accept-Language, cookie", "Cookie", "Accept-Language, cookie"),
        ("Origin,Cookie", "cookie", "Origin,Cookie"),
        ("Cookies", "Cookie", "Cookies, Cookie"),
    ],
)
def test_vary_adds_a_header_once_whatever_its_case(
    given: str | None, name: str, expected: str
) -> None:
    response = Response()
    if given is not None:
        response.headers["Vary"] = given
    vary(response, name)
    assert response.headers.getlist("Vary") == [expected]
