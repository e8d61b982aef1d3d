"""The public site: who reads it, what they may see, how it is shared, embedded and reviewed."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user

from .. import audience
from ..db import sessions
from ..security import marked
from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp
from .operations import canonical_url, language_alternates

AUTHORS = ("name", "role", "none")


def set_audience() -> None:
    """Decide, once per request, whether this reader is a public one."""
    config = current_app.config
    if not config["PUBLIC"]:
        return
    # An embed shows what the public sees, whoever's browser loads it.
    embed = marked(request.endpoint, "embeddable")
    # A private feed's secret stands for its user: it is read from inside.
    keyed = marked(request.endpoint, "keyed")
    if not keyed and (embed or not current_user.is_authenticated):
        seen = audience.Audience(
            public=True, reviewed=config["PUBLIC_REVIEW"], authors=config["PUBLIC_AUTHORS"]
        )
        g.audience_token = audience.current.set(seen)


def forget_audience(_exc: BaseException | None = None) -> None:
    token = g.pop("audience_token", None)
    if token is not None:
        audience.current.reset(token)


def init_app(app: Flask) -> None:
    if app.config["PUBLIC_AUTHORS"] not in AUTHORS:
        raise ValueError(f"TRACKER_PUBLIC_AUTHORS must be one of {', '.join(AUTHORS)}.")
    audience.install(sessions(app))
    app.before_request(set_audience)
    app.teardown_request(forget_audience)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        byline=audience.byline,
        shown_name=audience.shown_name,
        canonical_url=canonical_url,
        language_alternates=language_alternates,
        public_reader=lambda: audience.audience().public,
    )
