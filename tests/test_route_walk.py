"""Every route of the URL map, walked with malformed values: never a 5xx, never a traceback.

For each rule and method, Hypothesis draws values for its path arguments (a real slug or id
as often as a malformed one) and a query of the arguments Tracker reads, found in its own
source, plus names a crafted request adds (`_method`, `endpoint`, a path argument's name):
huge and negative numbers, control characters, lone surrogates, CRLF, long text, repeated
names. A POST also sends form fields with the names the pages' forms use, filled the same way.
It walks as a visitor, a viewer, an editor and an admin, on each database.

The examples are drawn the same way on each run (`derandomize`), so that CI is stable; set
TRACKER_WALK_EXAMPLES for more of them, and TRACKER_WALK_RANDOM=1 for new ones each run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

import tracker
from tracker.models import (
    Actor,
    Notification,
    Recommendation,
    Source,
    StatusUpdate,
    Theme,
    User,
)
from tracker.notifications.operations import WATCHABLE, watch
from tracker.status_updates import correct_status_update, retract_status_update
from tracker.vocabulary import Confidence, Role, Status

from .conftest import Auth
from .helpers import SLUG, add_updates, form_fields

EXAMPLES = int(os.environ.get("TRACKER_WALK_EXAMPLES", "3"))
RANDOM = os.environ.get("TRACKER_WALK_RANDOM") == "1"

# Values that broke something once, or break web apps often.
NASTY = [
    "99999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "-99999999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "²",
    "٣",
    "1_000",
    " 1 ",
    "\x00",
    "\x0b\x01",
    "\x1b[31m",
    "\r\nX-Injected: 1",
    "/\r\nX",
    "\ud800",
    "\udfff\ud800",
    "\ufffe",
    "x" * 5_000,
    "POST",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"',
    "%",
    "%00",
    "../../../etc/passwd",
    "{}",
    "[[[[[[[[[[]]]]]]]]]]",
    "null",
    "2020-02-30",
    "9999-12-31",
    "0001-01-01",
    "2020-01-01T00:00:00",
    "",
    " ",
    "stalled",
    "title",
]

VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(NASTY),  # twice: drawn as often as all the rest
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=20),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Zp", "Co"]), max_size=8),
)

# Names a crafted query adds, beyond those Tracker reads (found below).
CRAFTED_NAMES = ["_method", "_external", "_anchor", "_scheme", "endpoint", "values", "slug",
                 "kind", "update_id", "user_id", "filename", "token", "unknown"]  # fmt: skip
# Form fields a crafted POST adds, beyond those the pages' forms have.
CRAFTED_FIELDS = ["evidence-²-url", "evidence-99999999999999999999999-title", "evidence--1-url",
                  "user-99999999999999999999-role", "version", "token_id", "csrf_token",
                  "add_evidence", "into", "theme", "actors"]  # fmt: skip


def query_names() -> list[str]:
    """Every query argument Tracker reads, as its source names them, and the crafted ones."""
    root = Path(tracker.__file__).parent
    read = r"""args(?:\.get)?\s*[(\[]\s*["'](\w+)["']"""
    names = {"as_of", "known_on", "from", "to", "cursor", "limit", "page"}  # through variables
    for path in [*root.rglob("*.py"), *root.rglob("*.html")]:
        names.update(re.findall(read, path.read_text(encoding="utf-8")))
    return sorted(names | set(CRAFTED_NAMES))


NAMES = query_names()


def quoted(value: str) -> str:
    """Percent-encode any text, lone surrogates too (as the bytes a careless client sends)."""
    return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


def path_of(rule: Rule, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return quoted(values[match.group(1)])

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", replace, rule.rule)


@pytest.fixture
def walked(app: Flask, db: Session, make_user: Callable[..., User]) -> dict[str, list[str]]:
    """Data for every page to show, and the real values of each kind of path argument."""
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="10000 per minute",
                      LOGIN_LIMIT_PER_ADDRESS="10000 per minute")  # fmt: skip
    analyst = make_user(Role.ANALYST)
    editor = make_user(Role.EDITOR, email="walk-editor@example.org")
    add_updates(db, analyst, SLUG, 3)
    first, second = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id).limit(2))
    # The analyst watches the recommendation, so the editor's changes notify them.
    watch(db, analyst, "recommendation", db.get(Recommendation, first.recommendation_id))
    correct_status_update(db, first, editor=editor, status=Status.STALLED,
                          as_of=dt.date(2020, 2, 1), assessment="Stalled, in fact.",
                          confidence=Confidence.LOW, reason="Misread the report.")  # fmt: skip
    retract_status_update(db, second, editor=editor, reason="Wrong recommendation.")
    db.commit()
    return {
        "recommendation": list(db.scalars(select(Recommendation.slug))),
        "source": list(db.scalars(select(Source.slug))),
        "entry": [*db.scalars(select(Actor.slug)), *db.scalars(select(Theme.slug))],
        "kind": ["actors", "themes"],
        "update_id": [str(id_) for id_ in db.scalars(select(StatusUpdate.id))],
        "user_id": [str(id_) for id_ in db.scalars(select(User.id))],
        "notification_id": [str(id_) for id_ in db.scalars(select(Notification.id))],
        "filename": ["tracker.css"],
        "token": ["not-a-setup-token"],
        "delivery_id": ["1"],
    }


def real_values(rule: Rule, name: str, walked: dict[str, list[str]]) -> list[str]:
    """The values a path argument really takes, for the rule's own kind of entry."""
    if name == "source_slug" or (
        name == "slug" and rule.endpoint.startswith(("sources.", "reports."))
    ):
        return walked["source"]
    if name == "kind" and rule.endpoint.startswith("notifications."):
        return list(WATCHABLE)  # the recommendation first, which the slugs below name
    if name == "slug" and rule.endpoint.startswith("lists."):
        return walked["entry"]
    if name == "slug":
        return walked["recommendation"]
    return walked[name]


Pairs = list[tuple[str, str]]
FORMS: dict[str, tuple[list[str], dict[str, Pairs]]] = {}


def forms_of(
    app: Flask, client: FlaskClient, walked: dict[str, list[str]]
) -> tuple[list[str], dict[str, Pairs]]:
    """The names of the fields of every form the pages show to an admin, and each page's own
    fields as a browser would post them back, by endpoint (read once a database)."""
    known = FORMS.get(app.config["DATABASE_URL"])
    if known is not None:
        return known
    names: set[str] = set(CRAFTED_FIELDS)
    own: dict[str, Pairs] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.setup"):
            continue
        values = {name: real_values(rule, name, walked)[0] for name in rule.arguments}
        response = client.get(path_of(rule, values))
        if response.mimetype == "text/html":
            fields = form_fields(response.get_data(as_text=True))
            names.update(fields)
            own[rule.endpoint] = [
                (name, item)
                for name, value in fields.items()
                for item in (value if isinstance(value, list) else [value])
            ]
    FORMS[app.config["DATABASE_URL"]] = (sorted(names), own)
    return FORMS[app.config["DATABASE_URL"]]


def encoded(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quoted(name)}={quoted(value)}" for name, value in pairs)


ROLES = {"visitor": None, "viewer": Role.VIEWER, "editor": Role.EDITOR, "admin": Role.ADMIN}
# Who sweeps every route with every one of `SWEPT`: a visitor, and the admin, who sees every
# page a viewer or an editor sees. All four walk at random.
SWEEPERS = ("visitor", "admin")
# One request each, every query argument and form field set to it.
SWEPT = [
    "99999999999999999999999",
    "\x0b\x01\ud800\ufffe",
    "/\r\nX-Injected: 1" + "x" * 5_000,
    "²",
]

# Each field of a page's own form is sent with each of these in turn.
FIELD_SWEPT = ["99999999999999999999999", "²"]


class Walker:
    """Requests as one role, re-logging in when a walked form ended the session."""

    def __init__(self, client: FlaskClient, auth: Auth, user: User | None) -> None:
        self.client, self.auth, self.user = client, auth, user

    def send(
        self,
        rule: Rule,
        method: str,
        values: dict[str, str],
        pairs: list[tuple[str, str]],
        posted: list[tuple[str, str]],
    ) -> None:
        url = path_of(rule, values) + ("?" + encoded(pairs) if pairs else "")
        options: dict[str, Any] = {}
        if method == "POST":
            options = {"data": encoded(posted), "content_type": "application/x-www-form-urlencoded"}
        response = self.client.open(url, method=method, **options)
        response.close()  # a static file's answer holds the file open
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        ended = (response.location or "").startswith("/login")
        if self.user is not None and ended and rule.endpoint != "auth.setup":
            self.auth.login(self.user)  # a form asked for the password again, too often


def walk_at_random(
    walker: Walker,
    rule: Rule,
    method: str,
    path_values: st.SearchStrategy[dict[str, str]],
    query: st.SearchStrategy[Pairs],
    form: st.SearchStrategy[Pairs],
) -> None:
    @given(values=path_values, pairs=query, posted=form)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    def answers_without_error(values: dict[str, str], pairs: Pairs, posted: Pairs) -> None:
        walker.send(rule, method, values, pairs, posted)

    answers_without_error()


@pytest.mark.parametrize("role", list(ROLES))
def test_no_route_answers_a_server_error(
    app: Flask,
    client: FlaskClient,
    auth: Auth,
    make_user: Callable[..., User],
    walked: dict[str, list[str]],
    caplog: pytest.LogCaptureFixture,
    role: str,
) -> None:
    caplog.set_level(logging.WARNING)
    admin = app.test_client()
    Auth(admin).login(make_user(Role.ADMIN))
    fields, own_forms = forms_of(app, admin, walked)
    user = make_user(ROLES[role], email=f"walker-{role}@example.org") if ROLES[role] else None
    if user is not None:
        auth.login(user)
    walker = Walker(client, auth, user)
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    walks = [
        (rule, method) for rule in rules for method in ("GET", "POST") if method in rule.methods
    ]
    for rule, method in walks:
        if method == "POST" and rule.endpoint == "auth.logout" and user is not None:
            continue  # it would end the walk's session: walked as a visitor
        real = {name: real_values(rule, name, walked)[0] for name in rule.arguments}
        if role in SWEEPERS:
            for value in SWEPT:
                everything = [(name, value) for name in NAMES]
                walker.send(rule, method, real, everything, [(name, value) for name in fields])
                if rule.arguments:
                    walker.send(rule, method, dict.fromkeys(rule.arguments, value), [], [])
            # The page's own form, as it was shown, with one field at a time made malformed.
            own = own_forms.get(rule.endpoint, []) if method == "POST" else []
            if user is None and rule.endpoint not in ("auth.login", "auth.setup"):
                own = []  # a visitor's is refused unread: the login page answers
            for name in dict(own):
                posted = [(other, kept) for other, kept in own if other != name]
                for value in FIELD_SWEPT:
                    walker.send(rule, method, real, [], [*posted, (name, value)])

        path_values = st.fixed_dictionaries(
            {
                name: st.one_of(st.sampled_from(real_values(rule, name, walked)), VALUES)
                for name in sorted(rule.arguments)
            }
        )
        # Some of the names, a name perhaps more than once: repeated parameters.
        query = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=8)
        form = st.lists(st.tuples(st.sampled_from(fields), VALUES), max_size=10)

        walk_at_random(walker, rule, method, path_values, query, form)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]
    assert not [record for record in caplog.records if record.exc_info]
