"""Login throttling: attempts counted per account and per client address, never site-wide."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_limiter import Limiter

from .services import normalise_email

View = TypeVar("View", bound=Callable[..., Any])


def throttled(view: View) -> View:
    """Mark a view whose POSTs are login attempts; `init_app` puts the limits on it."""
    view.throttled = True  # type: ignore[attr-defined]
    return view


def address_key() -> str:
    return f"address:{request.remote_addr}"


def account_key() -> str:
    """Count attempts against the account tried, however its email was typed."""
    email = normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def init_app(app: Flask) -> None:
    """Give the app a limiter of its own and limit its throttled views; call it last.

    One limiter per app: a limiter keeps its storage and settings from its `init_app`.
    """
    # In memory without Redis: each process then counts on its own (README says so).
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter = Limiter(
        address_key,
        app=app,
        # A moving window allows no double burst at the edge of a minute, as a fixed one would.
        strategy="moving-window",
        headers_enabled=True,
        # While Redis is away, each process counts on its own rather than refusing every login.
        in_memory_fallback_enabled=True,
    )
    per_account = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=account_key,
        methods=["POST"],
    )  # fmt: skip
    per_address = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=address_key,
        methods=["POST"],
    )  # fmt: skip
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "throttled", False):
            app.view_functions[endpoint] = per_account(per_address(view))
