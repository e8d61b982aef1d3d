"""Tracker: policy recommendations and the dated, evidenced history of what happened to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; it neither migrates nor seeds (`tracker init` does)."""
    # Imported here: the models, seeds and migrations import this package, and no Flask.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = Flask(__name__, instance_relative_config=True)
    from .config import REQUEST_LIMITS, from_environment

    settings = from_environment(app.instance_path) if test_config is None else test_config
    app.config.from_mapping({**REQUEST_LIMITS, **settings})
    app.config.setdefault("REVIEW_EVERY_DAYS", 90)
    app.config.setdefault("BASE_URL", None)
    app.config.setdefault("IDLE_TIMEOUT_MINUTES", 120)
    app.config.setdefault("SESSION_HOURS", 12)
    app.config.setdefault("PROXY_FIX", 0)
    app.config.setdefault("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour")
    app.config.setdefault("LOGIN_LIMIT_PER_ADDRESS", "30 per minute")
    app.config.setdefault("PAGE_CACHE_MB", 16)
    app.config.setdefault("PUBLIC", False)
    app.config.setdefault("PUBLIC_REVIEW", True)
    app.config.setdefault("PUBLIC_AUTHORS", "role")
    app.config.setdefault("PUBLIC_S_MAXAGE", 300)
    app.config.setdefault("PUBLIC_MAX_AGE", 60)
    app.config.setdefault("EMBED_ORIGINS", [])
    app.config.setdefault("SMTP_URL", None)
    app.config.setdefault("MAIL_FROM", None)
    app.config.setdefault("QUEUE_PATH", None)  # None: in the instance folder
    app.config.setdefault("MAIL_DIGEST_HOUR", 7)
    app.config.setdefault("MAIL_RETRY_SECONDS", 60)
    app.config.setdefault("MAIL_MAX_ATTEMPTS", 8)
    app.config.setdefault("MAIL_CLAIM_SECONDS", 300)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )

    from . import (
        admin,
        api,
        assessments,
        auth,
        bookkeeping,
        caching,
        commands,
        comments,
        criteria,
        dashboard,
        db,
        errors,
        exchange,
        feeds,
        forecasts,
        health,
        i18n,
        lists,
        logs,
        mail,
        notifications,
        publishing,
        recommendations,
        reports,
        saved_views,
        search,
        security,
        signposts,
        site,
        sources,
        targets,
        templating,
        work,
    )
    from .auth import throttle

    db.init_app(app)
    security.init_app(app)
    publishing.init_app(app)  # after security: the audience needs the user
    bookkeeping.init_app(app)  # after security: it writes what the access checks noted
    i18n.init_app(app)
    templating.init_app(app)
    caching.init_app(app)
    errors.init_app(app)
    commands.init_app(app)
    # Each area registers its blueprints and its commands.
    for area in (
        auth, admin, dashboard, recommendations, comments, logs, sources, lists, reports,
        exchange, search, api, work, notifications, targets, saved_views, mail, criteria,
        signposts, assessments, forecasts,
    ):  # fmt: skip
        area.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(site.bp)
    throttle.init_app(app)  # after the blueprints: it limits the views they registered
    hops = app.config["PROXY_FIX"]
    if hops:
        # Behind that many reverse proxies, the client's address, scheme and host are the
        # ones they forward; without proxies these headers could be forged by anyone.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app
