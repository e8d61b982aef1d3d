"""Password guesses throttled per account and per client address, never site-wide.

Logins count every attempt. A logged-in user's password asked for again (to change it, to make
an API token) counts only the wrong ones, under the same limits, so a stolen session cannot
guess its way to the password.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_login import current_user

from ..security import SAFE_METHODS
from .services import normalise_email

View = TypeVar("View", bound=Callable[..., Any])


def throttled(view: View) -> View:
    """Mark a view whose POSTs are login attempts; `init_app` puts the limits on it."""
    view.throttled = True  # type: ignore[attr-defined]
    return view


def password_checked(view: View) -> View:
    """Mark a view whose POSTs may check the logged-in user's password again.

    The view calls `wrong_password_given()` when the password was wrong: only those count.
    """
    view.password_checked = True  # type: ignore[attr-defined]
    return view


WRONG_PASSWORD = "tracker_wrong_password"


def wrong_password_given() -> None:
    """Count this request against the limits of a `password_checked` view."""
    setattr(g, WRONG_PASSWORD, True)


def was_wrong(response: Response) -> bool:
    return bool(g.get(WRONG_PASSWORD))


def reads_only() -> bool:
    """Every limit here counts POSTs: a GET, HEAD or OPTIONS is never checked against one."""
    return request.method in SAFE_METHODS


def address_key() -> str:
    return f"address:{request.remote_addr}"


def account_key() -> str:
    """Count attempts against the account tried, however its email was typed."""
    email = normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def user_account_key() -> str:
    """Count wrong passwords against the logged-in account, as its logins are counted."""
    email = current_user.email if current_user.is_authenticated else ""
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
    # No read is counted. The request filter says so to the limits on the views (their
    # wrappers check on every method); the limiter's hook before every request resolves the
    # view's limits before it asks that filter, so for a read the hook is skipped altogether.
    limiter.request_filter(reads_only)
    hooks = app.before_request_funcs[None]
    check = limiter._check_request_limit
    hooks[hooks.index(check)] = functools.wraps(check)(lambda: None if reads_only() else check())
    per_account = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=account_key,
        methods=["POST"],
    )  # fmt: skip
    per_address = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=address_key,
        methods=["POST"],
    )  # fmt: skip
    # One count for every view that checks a password again: they guess the same secret.
    checks_per_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], "password-check",
        key_func=user_account_key, methods=["POST"], deduct_when=was_wrong,
    )  # fmt: skip
    checks_per_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], "password-check-address",
        key_func=address_key, methods=["POST"], deduct_when=was_wrong,
    )  # fmt: skip
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "throttled", False):
            app.view_functions[endpoint] = per_account(per_address(view))
        elif getattr(view, "password_checked", False):
            app.view_functions[endpoint] = checks_per_account(checks_per_address(view))
