"""Rendered pages served again until the next write, and conditional GET.

Every write records an audit event, so the newest audit event's id is a version of all the
data; logging out, ending sessions, changing roles and revoking tokens are writes too. A page
rendered at that version can be sent again, or answered 304, until the next write.

Views marked `cached_page` answer 304 when the browser's copy is current, and offer what they
render to `PageServer`. That WSGI middleware keeps the page under the request's cookie, browser,
address and path, and answers the same request again from memory, before Flask decodes the
cookie or checks the session: one query for the data's version is all it costs. An entry lives
no longer than `PAGE_LIFETIME` (so the full session check, which keeps the session alive, still
runs often) and never past the moment the session it was rendered for would expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, make_response, request, session
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.http import parse_etags

from .auth.sessions import current_session, session_expiry
from .db import get_engine, get_session
from .errors import request_id_for
from .models import AuditEvent, utcnow

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

View = TypeVar("View", bound=Callable[..., Any])

DATA_VERSION = select(func.max(AuditEvent.id))
PAGE_LIFETIME = dt.timedelta(seconds=30)
# Set on the WSGI environ by a cached view: the data version and expiry of what it rendered.
OFFERED = "tracker.cached_page"
# Set by `PageServer` when it found a page out of date: the version it read, not to read twice.
CHECKED_VERSION = "tracker.data_version"


@dataclass(frozen=True)
class Page:
    version: int
    expires: dt.datetime
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[str, Page] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


def data_version() -> int:
    return get_session().scalar(DATA_VERSION) or 0


def etag_for(version: int) -> str:
    """Name what a page depends on: the data, the reader, their session, the path, the day."""
    parts = (
        version,
        current_user.get_id(),
        getattr(current_user, "role", ""),
        session.get("csrf_token", ""),  # forms on the page carry this session's token
        request.full_path,
        dt.date.today().isoformat(),  # "3 days ago" changes at midnight
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def cached_page(view: View) -> View:
    """Answer 304 when the browser has the page already; else render it and offer it."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        if session.get("_flashes"):  # a flash message is shown once
            return view(*args, **kwargs)
        version = request.environ.get(CHECKED_VERSION)
        if version is None:
            version = data_version()
        etag = etag_for(version)
        if etag in request.if_none_match:
            response = Response(status=304)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag)
        if current_user.is_authenticated:
            # A session expires on its own; an API token only when revoked, which is a write.
            expires = utcnow() + PAGE_LIFETIME
            if (user_session := current_session()) is not None:
                expires = min(expires, session_expiry(user_session))
            request.environ[OFFERED] = (version, expires)
        return response

    return serve  # type: ignore[return-value]


class PageServer:
    """Answer a repeated page request from memory while the data and the session hold."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication, size: int) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.pages = PageCache(size)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        key = cache_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        page = self.pages.get(key)
        if page is not None and utcnow() < page.expires:
            version = self.data_version()
            if page.version == version:
                return self.send(page, environ, start_response)
            # Read before the view's own queries: at worst a newer page carries an older
            # version, and is rendered again once more.
            environ[CHECKED_VERSION] = version
        answer: list[Any] = []

        def keep_answer(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, keep_answer)
        offered = environ.get(OFFERED)
        if offered is None or not answer or not answer[0].startswith("200"):
            return body
        headers: list[tuple[str, str]] = answer[1]
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        version, expires = offered
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        self.pages.put(key, Page(version, expires, answer[0], headers, content, etag))
        return [content]

    def data_version(self) -> int:
        with get_engine(self.app).connect() as connection:
            return connection.scalar(DATA_VERSION) or 0

    def send(
        self, page: Page, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = [(name, value) for name, value in page.headers if name != "X-Request-ID"]
        headers.append(("X-Request-ID", request_id))
        etags = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
        if page.etag is not None and etags.contains_weak(page.etag.strip('"')):
            unchanged = [(name, value) for name, value in headers if name != "Content-Length"]
            start_response("304 NOT MODIFIED", unchanged)
            return []
        start_response(page.status, headers)
        return [page.body]


def cache_key(environ: WSGIEnvironment) -> str | None:
    """Name a page request by everything its answer depends on; None if it is not one."""
    cookie, authorization = environ.get("HTTP_COOKIE"), environ.get("HTTP_AUTHORIZATION")
    if environ["REQUEST_METHOD"] != "GET" or not (cookie or authorization):
        return None
    parts = (
        cookie,
        authorization,
        environ.get("HTTP_USER_AGENT", ""),
        environ.get("REMOTE_ADDR", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("wsgi.url_scheme", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        dt.date.today().isoformat(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def init_app(app: Flask) -> None:
    size = app.config.get("PAGE_CACHE_SIZE", 256)
    if size:
        app.wsgi_app = PageServer(app, app.wsgi_app, size)  # type: ignore[method-assign]
