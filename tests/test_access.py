"""Who may reach what: every route of the URL map, every role, anonymous included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.models import Base, Recommendation, Source, StatusUpdate, User
from tracker.vocabulary import Role

from .helpers import PASSWORD, SLUG, add_updates

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"

# The permission table: the least role each endpoint needs; None is open to anyone.
PERMISSIONS: dict[str, Role | None] = {
    "auth.login": None,
    "auth.setup": None,
    "health.healthz": None,
    "site.favicon": None,
    "auth.logout": Role.VIEWER,
    "auth.account": Role.VIEWER,
    "auth.choose_language": Role.VIEWER,
    "dashboard.index": Role.VIEWER,
    "dashboard.compare": Role.VIEWER,
    "dashboard.swimlane": Role.VIEWER,
    "dashboard.regressions": Role.VIEWER,
    "reports.tracker_report": Role.VIEWER,
    "reports.source_report": Role.VIEWER,
    "recommendations.show": Role.VIEWER,
    "recommendations.history": Role.VIEWER,
    "sources.index": Role.VIEWER,
    "sources.show": Role.VIEWER,
    "sources.history": Role.VIEWER,
    "logs.corrections": Role.VIEWER,
    "recommendations.log_update": Role.ANALYST,
    # Analysts correct their own updates; this table's update is the analyst's.
    "recommendations.correct_update": Role.ANALYST,
    "recommendations.retract_update": Role.EDITOR,
    # Owners and editors record reviews; this table's recommendation is the analyst's.
    "recommendations.review": Role.ANALYST,
    "recommendations.take": Role.ANALYST,
    "recommendations.owners": Role.EDITOR,
    "work.index": Role.VIEWER,
    "notifications.index": Role.VIEWER,
    "notifications.read": Role.VIEWER,
    "notifications.read_all": Role.VIEWER,
    "notifications.start_watching": Role.VIEWER,
    "notifications.stop_watching": Role.VIEWER,
    "dashboard.changes": Role.VIEWER,
    "dashboard.mark_seen": Role.VIEWER,
    "work.seen": Role.VIEWER,
    "recommendations.edit": Role.EDITOR,
    "targets.set_target": Role.EDITOR,
    "sources.edit": Role.EDITOR,
    "sources.new": Role.EDITOR,
    "sources.add_recommendation": Role.EDITOR,
    "lists.index": Role.VIEWER,
    "lists.add": Role.EDITOR,
    "lists.rename": Role.EDITOR,
    "lists.merge": Role.EDITOR,
    "logs.audit": Role.ADMIN,
    "admin.users": Role.ADMIN,
    "admin.create_user": Role.ADMIN,
    "admin.change_role": Role.ADMIN,
    "admin.set_active": Role.ADMIN,
    "exchange.updates_csv": Role.VIEWER,
    "exchange.database_json": Role.VIEWER,
    "search.index": Role.VIEWER,
    "api.index": Role.VIEWER,
    "api.openapi": Role.VIEWER,
    "api.sources": Role.VIEWER,
    "api.source": Role.VIEWER,
    "api.recommendations": Role.VIEWER,
    "api.recommendation": Role.VIEWER,
    "api.updates": Role.VIEWER,
    "api.targets": Role.VIEWER,
    "api.actors": Role.VIEWER,
    "api.themes": Role.VIEWER,
    "api.search": Role.VIEWER,
    "tokens.index": Role.VIEWER,
    "tokens.revoke": Role.VIEWER,
    "feeds.updates": Role.VIEWER,
    "feeds.source": Role.VIEWER,
    "feeds.recommendation": Role.VIEWER,
    "mail.settings": Role.VIEWER,
    # The signed link of every e-mail: its token, not a login, says whose e-mail stops.
    "mail.unsubscribe": None,
    "mail.admin": Role.ADMIN,
    "mail.retry_delivery": Role.ADMIN,
    "publishing.robots": None,
    "publishing.sitemap": None,
    "publishing.badge": Role.VIEWER,
    "publishing.card": Role.VIEWER,
    "publishing.queue": Role.EDITOR,
    "publishing.approve": Role.EDITOR,
}

# When the site is public (TRACKER_PUBLIC=1), what an anonymous reader reaches besides the
# endpoints open to anyone: reading, never writing; everything else stays as above.
PUBLIC_READABLE: set[str] = {
    "dashboard.index",
    "dashboard.compare",
    "dashboard.swimlane",
    "dashboard.regressions",
    "reports.tracker_report",
    "reports.source_report",
    "recommendations.show",
    "sources.index",
    "sources.show",
    "logs.corrections",
    "search.index",
    "api.index",
    "api.openapi",
    "api.sources",
    "api.source",
    "api.recommendations",
    "api.recommendation",
    "api.updates",
    "api.targets",
    "api.actors",
    "api.themes",
    "api.search",
    "feeds.updates",
    "feeds.source",
    "feeds.recommendation",
    "publishing.badge",
    "publishing.card",
}

# POSTs that need no CSRF token: RFC 8058's one-click unsubscribe comes from a mail client,
# with no cookie; its signed token is all it carries, and it can only ever stop e-mail.
CSRF_EXEMPT = {"mail.unsubscribe"}

ROLES: list[Role | None] = [None, *Role]  # None: not logged in


OWN_SLUGS = {
    "sources": {"slug": SOURCE},
    "lists": {"kind": "actors", "slug": "unami"},
    "notifications": {"kind": "recommendation", "slug": SLUG},
    "reports.source_report": {"slug": SOURCE},
}


@dataclass
class Route:
    endpoint: str
    method: str
    url: str


def routes(app: Flask, values: dict[str, object]) -> Iterator[Route]:
    """Every endpoint and method of the URL map, with real values in its URL."""
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            # Sources, actors and themes are named by their own slugs.
            own = OWN_SLUGS.get(rule.endpoint, OWN_SLUGS.get(rule.endpoint.partition(".")[0], {}))
            arguments = {
                name: own[name] if name in own else values[name] for name in rule.arguments
            }
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                yield Route(rule.endpoint, method, adapter.build(rule.endpoint, arguments))


@pytest.fixture
def world(db: Session, make_user) -> dict[str, object]:
    """One user per role and an update by the analyst; the values URLs need."""
    users = {role: make_user(role) for role in Role}
    add_updates(db, users[Role.ANALYST], SLUG, 1)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    recommendation.owner_id = users[Role.ANALYST].id
    db.commit()
    update_id = db.scalars(select(StatusUpdate.id)).one()
    return {
        "users": users,
        "slug": SLUG,
        "update_id": update_id,
        "user_id": users[Role.VIEWER].id,
        "token": "not-a-valid-token",
        "notification_id": 1,
        "delivery_id": 1,
        "source_slug": SOURCE,
    }


def test_every_route_is_in_the_permission_table(app: Flask, world) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == set(PERMISSIONS)


def login(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_each_role_gets_exactly_its_access(app: Flask, world, role: Role | None) -> None:
    user = world["users"][role] if role else None
    client = login(app, user)
    # Logging out ends the session, so it goes last.
    ordered = sorted(routes(app, world), key=lambda route: route.endpoint == "auth.logout")
    checked = 0
    for route in ordered:
        url = route.url
        response = client.open(url, method=route.method, data={})
        needed = PERMISSIONS[route.endpoint]
        where = f"{route.method} {url} as {role or 'anonymous'}"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], where
        assert response.headers["X-Content-Type-Options"] == "nosniff", where
        if needed is None:
            assert response.status_code not in (401, 403), where
            assert "/login?next=" not in response.headers.get("Location", ""), where
        elif role is None and url.startswith("/api/"):
            # Programs read the API: they get a JSON 401, not a login page.
            assert response.status_code == 401, where
            assert response.is_json and response.json["error"]["status"] == 401, where
        elif role is None:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login?next="), where
        elif not role.can(needed):
            assert response.status_code == 403, where
        else:
            assert response.status_code not in (401, 403, 500), where
            assert "/login?next=" not in response.headers.get("Location", ""), where
        checked += 1
    assert checked >= len(PERMISSIONS)


def test_a_public_site_opens_exactly_its_readable_endpoints_to_anonymous_readers(
    app: Flask, db: Session, world
) -> None:
    app.config["PUBLIC"] = True
    source = db.scalars(select(Source).where(Source.slug == SOURCE)).one()
    source.published = True
    db.commit()
    reached = set()
    for route in routes(app, world):
        response = app.test_client().open(route.url, method=route.method, data={})
        where = f"{route.method} {route.url} as a public reader"
        needed = PERMISSIONS[route.endpoint]
        if route.endpoint in PUBLIC_READABLE and route.method == "GET":
            # Reached: a page, or the API's answer to a search without its question.
            assert response.status_code in (200, 400), where
            assert "Set-Cookie" not in response.headers, where
            if response.status_code == 200:
                assert response.headers["Cache-Control"].startswith("public, "), where
            reached.add(route.endpoint)
        elif needed is None:
            assert response.status_code not in (401, 403), where
        elif route.url.startswith("/api/"):
            assert response.status_code == 401, where
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login?next="), where
            assert response.headers["Cache-Control"] == "no-store", where
    assert reached == PUBLIC_READABLE
    assert set(PERMISSIONS) >= PUBLIC_READABLE


def row_counts(db: Session) -> dict[str, int]:
    db.rollback()
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def test_every_post_without_a_csrf_token_is_refused_and_stores_nothing(
    app: Flask, db: Session, world
) -> None:
    client = login(app, world["users"][Role.ADMIN])
    app.config["WTF_CSRF_ENABLED"] = True
    before = row_counts(db)
    posts = [
        route
        for route in routes(app, world)
        if route.method == "POST" and route.endpoint not in CSRF_EXEMPT
    ]
    assert len(posts) >= 10
    for route in posts:
        url = route.url
        response = client.post(url, data={"reason": "x", "title": "x", "email": "x@example.org"})
        assert response.status_code == 400, f"POST {url}"
        assert "The form had expired or was not sent from this site." in response.get_data(
            as_text=True
        )
    assert row_counts(db) == before
