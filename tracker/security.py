"""Who may do what: login, roles on every view, CSRF, what a request may send, headers."""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, abort, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from .audience import audience
from .db import get_session
from .models import User
from .vocabulary import Role

View = TypeVar("View", bound=Callable[..., Any])

# Methods that submit nothing: no form is read from them, and no limit counts them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Visitor(AnonymousUserMixin):
    """Someone not logged in: no role, so every `can` is False."""

    id = None
    role = None
    name = ""

    def can(self, needed: Role) -> bool:
        return False


csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.session_protection = "strong"
login_manager.anonymous_user = Visitor

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join((*POLICY, "frame-ancestors 'none'"))
# What every answer says unless it says otherwise; the framing ones depend on the route.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
NOT_FRAMED = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    *SECURITY_HEADERS,
)
STRICT_TRANSPORT = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


class FieldCountingParser(FormDataParser):
    """Hold URL-encoded forms to `MAX_FORM_PARTS` fields too, as Werkzeug holds multipart ones.

    Parsing 300,000 fields costs seconds of processor time; counting them costs nothing.
    """

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: Any
    ) -> Any:
        body = stream.read()  # limited to MAX_CONTENT_LENGTH already
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


class TrackerRequest(Request):
    form_data_parser_class = FieldCountingParser


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: no id either database can hold is larger (a 404 beyond)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


class SessionCookies(SecureCookieSessionInterface):
    """Over HTTPS, name the session cookie `__Host-session`.

    Browsers then accept it only if it is Secure, for the whole site (`Path=/`) and for this
    host alone (no `Domain`): a sibling subdomain or a plain-HTTP page cannot plant or
    overwrite it (ASVS 5.0 V3.3.1).

    The signing serializer is built once for the app's keys, not twice a request as Flask's
    does: it is the same while `SECRET_KEY` and `SECRET_KEY_FALLBACKS` are.
    """

    def __init__(self) -> None:
        self.signing: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self.signing is None or self.signing[0] != keys:
            self.signing = (keys, super().get_signing_serializer(app))
        return self.signing[1]

    def get_cookie_name(self, app: Flask) -> str:
        name = super().get_cookie_name(app)
        if app.config.get("SESSION_COOKIE_SECURE") and not name.startswith("__Host-"):
            return f"__Host-{name}"
        return name

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the cookie as Flask does, checking its signature once per worker (`verified`)
        and its age on every request."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            values, signed_at = verified(serializer, cookie)
            if values is None:  # not kept: this request decodes its own
                return self.session_class(serializer.loads(cookie, max_age=max_age))
        except BadSignature:
            return self.session_class()
        if not 0 <= int(time.time()) - signed_at <= max_age:  # as itsdangerous measures it
            return self.session_class()
        return self.session_class(values)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save the cookie as Flask does; a session left as it came, the usual case, only
        makes the answer vary on the cookie."""
        if session.modified or self.should_set_cookie(app, session):
            super().save_session(app, session, response)
        elif session.accessed:
            vary(response, "Cookie")


def vary(response: Response, name: str) -> None:
    """Add `name` to the answer's `Vary`, as `response.vary.add` does, without parsing the
    header into a set and writing it back: it is done twice for every page, cached ones too."""
    given = response.headers.get("Vary")
    if not given:
        response.headers["Vary"] = name
    elif name.lower() not in (part.strip().lower() for part in given.split(",")):
        response.headers["Vary"] = f"{given}, {name}"


# Values a session may hold that no request can change in place.
PLAIN = (str, int, float, bool, type(None))


@functools.lru_cache(maxsize=1024)
def verified(
    serializer: URLSafeTimedSerializer, cookie: str
) -> tuple[tuple[tuple[str, Any], ...] | None, int]:
    """What a signed session cookie holds, and when it was signed, for the cookies a worker
    saw last: a browser sends the same one until its session changes, and checking the
    signature, unpacking and decoding it cost more than the rest of a page from the page
    cache. A bad signature raises and is not kept. Values of a kind a request may change in
    place (a list of flashed messages) are not kept either (None): a copy would share them.
    """
    data, signed = serializer.loads(cookie, return_timestamp=True)
    plain = all(isinstance(value, PLAIN) for value in data.values())
    return (tuple(data.items()) if plain else None), int(signed.timestamp())


def init_app(app: Flask) -> None:
    app.request_class = TrackerRequest
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their routes
    app.session_interface = SessionCookies()
    # First of all: the CSRF check below reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_body)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(refuse_nul_characters)
    app.before_request(enforce_access)
    app.after_request(set_security_headers)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only while the server-side session named by the cookie's token holds."""
    # Imported here: the auth package's views import this module.
    from .auth.sessions import TOKEN_KEY, load_session_user

    return load_session_user(user_id, session.get(TOKEN_KEY))


@login_manager.request_loader
def load_user_from_request(request: Request) -> User | None:
    """Let the read API and the feeds authenticate a program by its personal API token."""
    # Imported here: the api package's views import this module.
    from .api.tokens import user_from_request

    return user_from_request(get_session(), request)


def requires(role: Role) -> Callable[[View], View]:
    """Mark a view as needing `role` (or a more powerful one)."""

    def mark(view: View) -> View:
        view.required_role = role  # type: ignore[attr-defined]
        return view

    return mark


def public(view: View) -> View:
    """Mark a view as open to anonymous visitors."""
    view.required_role = None  # type: ignore[attr-defined]
    return view


def readable(view: View) -> View:
    """Mark a read-only view as open to anonymous readers when the site is public."""
    view.readable_by_public = True  # type: ignore[attr-defined]
    return view


def embeddable(view: View) -> View:
    """Mark a public view as one the origins of `TRACKER_EMBED_ORIGINS` may frame."""
    view.embeddable = True  # type: ignore[attr-defined]
    return readable(view)


def keyed(view: View) -> View:
    """Mark an open view whose address holds a user's secret (a private feed): it is read as
    that user reads, never as the public site's anonymous reader."""
    view.keyed = True  # type: ignore[attr-defined]
    return public(view)


def marked(endpoint: str | None, mark: str) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, mark, False))


def open_to_public(endpoint: str | None) -> bool:
    """Whether an anonymous visitor may read this endpoint: a readable view of a public site."""
    return (
        current_app.config["PUBLIC"]
        and request.method in ("GET", "HEAD")
        and marked(endpoint, "readable_by_public")
    )


def required_role(endpoint: str | None) -> Role | None:
    """Return the role a view needs: every view needs a logged-in viewer unless marked."""
    if endpoint is None or endpoint == "static":
        return None
    view = current_app.view_functions[endpoint]
    return getattr(view, "required_role", Role.VIEWER)


def limit_request_body() -> None:
    """Read little from a visitor who is not logged in: no form before login needs more."""
    if request.method in SAFE_METHODS or request.endpoint == "static":
        return
    if not current_user.is_authenticated:
        limit = current_app.config["MAX_ANONYMOUS_CONTENT_LENGTH"]
        configured = request.max_content_length
        request.max_content_length = limit if configured is None else min(limit, configured)


def refuse_nul_characters() -> None:
    """Refuse text with NUL characters, which no field needs and PostgreSQL cannot store.

    A form is read only from a request that submits one (as Flask-WTF reads it): a GET's
    body is never parsed.
    """
    read = (request.args,) if request.method in SAFE_METHODS else (request.args, request.form)
    for values in read:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=_("Text may not contain NUL characters."))


def enforce_access() -> ResponseReturnValue | None:
    needed = required_role(request.endpoint)
    if needed is None:
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        if open_to_public(request.endpoint):
            return None
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not user.can(needed):
        abort(403)
    return None


def framing_origins() -> list[str]:
    """Who may frame this answer: the embed origins on an embed route, otherwise nobody."""
    if marked(request.endpoint, "embeddable"):
        return list(current_app.config["EMBED_ORIGINS"])
    return []


def set_security_headers(response: Response) -> Response:
    """Add each security header the answer does not set itself (a page from the page cache
    carries them all already)."""
    headers = response.headers
    origins = framing_origins()
    if origins:
        policy = "; ".join((*POLICY, "frame-ancestors " + " ".join(origins)))
        defaults: tuple[tuple[str, str], ...] = (
            ("Content-Security-Policy", policy),
            *SECURITY_HEADERS,
        )
    else:
        defaults = NOT_FRAMED
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        defaults = (*defaults, STRICT_TRANSPORT)
    present = {key.lower() for key, _ in headers}
    for key, value in defaults:
        if key.lower() not in present:
            headers.add(key, value)
    if request.endpoint != "static":
        headers["Cache-Control"] = cache_control(response)
    return response


def cache_control(response: Response) -> str:
    """Public pages may be kept by a CDN and, briefly, the browser; every other answer is not."""
    if (
        audience().public
        and response.status_code in (200, 304)
        and open_to_public(request.endpoint)
        and "Set-Cookie" not in response.headers
    ):
        # The same address answers a logged-in reader privately, and in their language.
        response.vary.update(("Cookie", "Accept-Language"))
        config = current_app.config
        return f"public, max-age={config['PUBLIC_MAX_AGE']}, s-maxage={config['PUBLIC_S_MAXAGE']}"
    return "no-store"
