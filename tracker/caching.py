"""Rendered pages kept per process, and conditional GET, both invalidated by any write.

Every write records an audit event, so the newest audit event's id is a version of all the
data: a page rendered at that version for the same person, session and address can be
served again, or answered 304, until the next write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import func, select

from .db import get_session
from .models import AuditEvent

View = TypeVar("View", bound=Callable[..., Any])


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: bytes) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


DATA_VERSION = select(func.max(AuditEvent.id))


def data_version() -> int:
    return get_session().scalar(DATA_VERSION) or 0


def page_key() -> str:
    """Name what a page depends on: the data, the reader, their session, the address, the day."""
    parts = (
        data_version(),
        current_user.get_id(),
        getattr(current_user, "role", ""),
        session.get("csrf_token", ""),  # forms on the page carry this session's token
        request.full_path,
        dt.date.today().isoformat(),  # "3 days ago" changes at midnight
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(view: View) -> View:
    """Serve a GET view from the page cache, or 304 when the browser has it already."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        cache: PageCache | None = current_app.extensions.get("tracker.pages")
        if cache is None or session.get("_flashes"):  # a flash message is shown once
            return view(*args, **kwargs)
        key = page_key()
        etag = key[:40]
        if etag in request.if_none_match:
            response = Response(status=304)
        elif (page := cache.get(key)) is not None:
            response = Response(page, mimetype="text/html")
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            cache.put(key, response.get_data())
        response.set_etag(etag)
        return response

    return serve  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    size = app.config.get("PAGE_CACHE_SIZE", 256)
    if size:
        app.extensions["tracker.pages"] = PageCache(size)
