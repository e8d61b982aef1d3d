"""The read API as programs meet it: tokens, pages, ETags, errors, and its OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.engine import events, from_schema
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.api.paging import BAD_CURSOR, encode
from tracker.api.tokens import create_token, token_hash
from tracker.comments.operations import add_comment, edit_comment, hide_comment
from tracker.models import ApiToken, AuditEvent, Recommendation, StatusUpdate, User
from tracker.targets.operations import set_target_date
from tracker.vocabulary import Role, Status, TargetOrigin

from .conftest import Auth
from .forecasting import history_and_forecasts
from .helpers import PASSWORD, SLUG, add_criteria_and_signposts, add_updates

API = "/api/v1"


@pytest.fixture
def token(db: Session, make_user: Callable[..., User]) -> str:
    """A viewer's personal API token."""
    user = make_user(Role.VIEWER)
    _, secret = create_token(db, user, "script")
    db.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_user_makes_a_token_sees_it_once_uses_it_and_revokes_it(
    client: FlaskClient, auth: Auth, db: Session, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.VIEWER)
    auth.login(user)
    page = client.post(
        "/account/tokens", data={"name": "feed reader", "password": PASSWORD}
    ).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(trk_[\w-]+)</code>', page).group(1)
    stored = db.scalars(select(ApiToken)).one()
    assert stored.token_hash == token_hash(secret) and secret not in stored.token_hash
    assert secret not in client.get("/account/tokens").get_data(as_text=True)

    program = client.application.test_client()
    response = program.get(f"{API}/themes", headers=bearer(secret))
    assert response.status_code == 200
    db.rollback()  # read afresh what the requests committed
    assert db.get(ApiToken, stored.id).last_used_at is not None
    assert program.get(f"{API}/themes", headers=bearer(secret)).data == response.data  # kept

    response = client.post(
        "/account/tokens/revoke", data={"token_id": stored.id}, follow_redirects=True
    )
    assert "The token “feed reader” is revoked" in response.get_data(as_text=True)
    refused = program.get(f"{API}/themes", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.json["error"]["message"].startswith("This API token is not valid")
    db.rollback()
    assert db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("api_token.%"))
    ).all() == [
        "api_token.create",
        "api_token.revoke",
    ]


def test_one_cannot_revoke_another_users_token(
    client: FlaskClient, auth: Auth, db: Session, make_user: Callable[..., User], token: str
) -> None:
    other = db.scalars(select(ApiToken)).one()
    auth.login(make_user(Role.ADMIN))
    response = client.post(
        "/account/tokens/revoke", data={"token_id": other.id}, follow_redirects=True
    )
    assert "That token does not exist." in response.get_data(as_text=True)
    db.rollback()  # read afresh what the requests committed
    assert db.get(ApiToken, other.id).revoked_at is None


def test_a_disabled_accounts_token_stops_working(
    client: FlaskClient, db: Session, token: str
) -> None:
    user = db.scalars(select(User)).one()
    user.active = False
    db.commit()
    assert client.get(f"{API}/themes", headers=bearer(token)).status_code == 401


def test_errors_are_json_with_a_clear_message(client: FlaskClient, token: str) -> None:
    cases = [
        (f"{API}/themes", {}, 401, "Log in, or send a personal API token"),
        (
            f"{API}/recommendations?limit=0",
            bearer(token),
            400,
            "limit must be a whole number from 1 to 100.",
        ),
        (f"{API}/recommendations?status=done", bearer(token), 400, "status must be one of:"),
        (
            f"{API}/recommendations?cursor=bm9wZQ",
            bearer(token),
            400,
            "The cursor is not one this API gave",
        ),
        (
            f"{API}/recommendations/no-such-thing",
            bearer(token),
            404,
            "No recommendation has the slug",
        ),
        (f"{API}/no/such/address", bearer(token), 404, "There is nothing at this address."),
    ]
    for url, headers, status, message in cases:
        response = client.get(url, headers=headers)
        assert response.status_code == status, url
        assert response.mimetype == "application/json", url
        assert response.json["error"]["status"] == status
        assert response.json["error"]["message"].startswith(message), url
    assert client.post(f"{API}/themes", headers=bearer(token)).json["error"]["status"] == 405
    assert client.get(f"{API}/themes").headers["WWW-Authenticate"].startswith("Bearer")


def test_recommendations_are_filtered_like_the_dashboard_and_paged_by_cursor(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str
) -> None:
    add_updates(db, make_user(Role.ANALYST), SLUG, 2, status=Status.STALLED)
    everything = client.get(f"{API}/recommendations?limit=100", headers=bearer(token)).json
    total = db.scalars(select(Recommendation.slug)).all()
    assert {item["slug"] for item in everything["items"]} == set(total)
    assert everything["next"] is None

    seen, url = [], f"{API}/recommendations?limit=3"
    while url:
        page = client.get(url, headers=bearer(token)).json
        assert len(page["items"]) <= 3
        seen += [item["slug"] for item in page["items"]]
        url = page["next"]
    assert seen == [item["slug"] for item in everything["items"]]

    stalled = client.get(f"{API}/recommendations?status=stalled", headers=bearer(token)).json
    assert [
        (item["slug"], item["status"]["value"], item["as_of"]) for item in stalled["items"]
    ] == [(SLUG, "stalled", "2020-02-02")]
    theme = stalled["items"][0]["theme"]["slug"]
    by_theme = client.get(f"{API}/recommendations?theme={theme}", headers=bearer(token)).json
    assert SLUG in {item["slug"] for item in by_theme["items"]}
    assert all(item["theme"]["slug"] == theme for item in by_theme["items"])


def test_a_page_of_recommendations_is_found_by_the_database(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str, count_statements
) -> None:
    slugs = db.scalars(select(Recommendation.slug)).all()
    add_updates(db, make_user(Role.ANALYST), slugs[0], 3)
    client.get(f"{API}/themes", headers=bearer(token))  # the token's last use is written once
    seen = []
    for limit in (2, 100):
        counter = count_statements()
        client.get(f"{API}/recommendations?limit={limit}", headers=bearer(token))
        seen.append(list(counter.statements))
    small, large = seen
    # The same statements whatever the page's size, the rows limited by the database: no
    # count of everything, and no list of it paged afterwards.
    assert len(small) == len(large) <= 5
    assert any("LIMIT" in statement.upper() for statement in small)

    one = client.get(f"{API}/recommendations/{slugs[0]}", headers=bearer(token)).json
    assert one["slug"] == slugs[0] and one["as_of"] == "2020-02-03"

    for made_up in (["2020-02-01", 1], ["x", 1, 1], ["2020-02-01", "1", 1], [None, 1, 1], [1]):
        cursor = encode({"after": made_up})
        refused = client.get(f"{API}/recommendations?cursor={cursor}", headers=bearer(token))
        assert refused.status_code == 400, made_up
        assert refused.json["error"]["message"] == BAD_CURSOR


def test_a_recommendations_history_lists_updates_with_evidence(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str
) -> None:
    add_updates(db, make_user(Role.ANALYST, name="Nadia Analyst"), SLUG, 3)
    first = client.get(f"{API}/recommendations/{SLUG}/updates?limit=2", headers=bearer(token)).json
    rest = client.get(first["next"], headers=bearer(token)).json
    updates = first["items"] + rest["items"]
    assert [update["as_of"] for update in updates] == ["2020-02-03", "2020-02-02", "2020-02-01"]
    assert rest["next"] is None
    assert updates[0]["author"] == {"name": "Nadia Analyst"}
    assert updates[0]["evidence"][0]["grade"] == "B2"
    assert updates[0]["evidence"][0]["link"] == f"https://news.example.org/{SLUG}/2"


def set_two_targets(db: Session, editor: User) -> None:
    rec = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    for target, reason in ((dt.date(2020, 6, 30), None), (dt.date(2021, 6, 30), "Deferred.")):
        set_target_date(
            db, rec, target=target, origin=TargetOrigin.SOURCE, detail=None, reason=reason,
            by=editor,
        )  # fmt: skip
    db.commit()


def test_a_recommendations_target_dates_are_listed_and_it_says_whether_overdue(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str
) -> None:
    set_two_targets(db, make_user(Role.EDITOR, name="Esther Editor"))
    shown = client.get(f"{API}/recommendations/{SLUG}", headers=bearer(token)).json
    assert (shown["target_date"], shown["overdue"]) == ("2021-06-30", True)
    first = client.get(f"{shown['targets_url']}?limit=1", headers=bearer(token)).json
    rest = client.get(first["next"], headers=bearer(token)).json
    entries = first["items"] + rest["items"]
    assert [(e["number"], e["target"], e["reason"]) for e in entries] == [
        (1, "2020-06-30", None),
        (2, "2021-06-30", "Deferred."),
    ]
    assert entries[1]["author"] == {"name": "Esther Editor"} and entries[1]["origin"] == "source"
    assert rest["next"] is None
    missing = client.get(f"{API}/recommendations/nothing/targets", headers=bearer(token))
    assert missing.status_code == 404


def test_a_history_is_paged_in_the_database_one_update_at_a_time(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str
) -> None:
    analyst = make_user(Role.ANALYST)
    add_updates(db, analyst, SLUG, 3)
    add_updates(db, analyst, SLUG, 2)  # the same as-of dates again, logged later
    url, seen = f"{API}/recommendations/{SLUG}/updates?limit=1", []
    while url:
        page = client.get(url, headers=bearer(token)).json
        seen += [(update["as_of"], update["id"]) for update in page["items"]]
        url = page["next"]
    assert len(seen) == 5 and len(set(seen)) == 5
    assert [as_of for as_of, _ in seen] == [
        "2020-02-03",
        "2020-02-02",
        "2020-02-02",
        "2020-02-01",
        "2020-02-01",
    ]
    # Of two updates as of the same day, the one logged later comes first.
    assert seen[1][1] > seen[2][1] and seen[3][1] > seen[4][1]
    for made_up in (["2020-02-01", "2020-02-01T00:00:00", 1], ["x", "y", 1], "nope"):
        cursor = encode({"after": made_up})
        refused = client.get(
            f"{API}/recommendations/{SLUG}/updates?cursor={cursor}", headers=bearer(token)
        )
        assert (
            refused.status_code == 400
            and "The cursor is not one this API gave" in refused.json["error"]["message"]
        )


def test_a_conditional_get_answers_304_until_something_changes(
    client: FlaskClient, db: Session, make_user: Callable[..., User], token: str
) -> None:
    url = f"{API}/recommendations/{SLUG}"
    first = client.get(url, headers=bearer(token))
    etag = first.headers["ETag"]
    again = client.get(url, headers=bearer(token) | {"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    changed = client.get(url, headers=bearer(token) | {"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["status"]["value"] == "in_progress"


def test_the_browser_session_reads_the_api_too(client: FlaskClient, auth: Auth, make_user) -> None:
    auth.login(make_user(Role.VIEWER))
    assert client.get(f"{API}/sources").json["items"][0]["recommendation_count"] > 0


def test_the_openapi_document_describes_every_route_of_the_api(
    app: Flask, client: FlaskClient, token: str
) -> None:
    document = client.get(f"{API}/openapi.json", headers=bearer(token)).json
    described = {API + re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    routed = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API)}
    assert described == routed


def add_comments(db: Session, analyst: User, editor: User) -> None:
    """A comment on the recommendation, edited; one on an update; one hidden."""
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    update = db.scalars(
        select(StatusUpdate).where(StatusUpdate.recommendation_id == recommendation.id)
    ).first()
    first = add_comment(db, recommendation, author=analyst, body="A *first* look.")
    edit_comment(db, first, editor=analyst, body="A *second* look.")
    add_comment(db, recommendation, author=editor, body="On the update.", update=update)
    hidden = add_comment(db, recommendation, author=analyst, body="Not for here.")
    hide_comment(db, hidden, editor=editor, reason="Off topic")
    db.commit()


def test_the_api_lists_comments_with_their_revisions_and_hides_what_editors_hid(
    db: Session, client: FlaskClient, make_user: Callable[..., User], token: str
) -> None:
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    add_comments(db, make_user(Role.ANALYST, name="Ana Analyst"), make_user(Role.EDITOR))
    body = client.get(f"{API}/recommendations/{SLUG}/comments?limit=2", headers=bearer(token)).json
    first, second = body["items"]
    assert first["author"] == {"name": "Ana Analyst", "handle": "ana-analyst"}
    assert first["body"] == "A *second* look." and first["update_id"] is None
    assert [r["body"] for r in first["revisions"]] == ["A *first* look.", "A *second* look."]
    assert second["update_id"] is not None
    rest = client.get(body["next"], headers=bearer(token)).json
    [hidden] = rest["items"]
    assert hidden["hidden"] and hidden["body"] is None and hidden["revisions"] == []
    assert hidden["hidden_reason"] == "Off topic" and rest["next"] is None
    assert (
        client.get(f"{API}/recommendations/nothing/comments", headers=bearer(token)).status_code
        == 404
    )


@pytest.fixture
def api_schema(
    app: Flask, db: Session, make_user: Callable[..., User], token: str
) -> schemathesis.BaseSchema:
    """The API's own OpenAPI document, served by the app, with data to read."""
    analyst = make_user(Role.ANALYST)
    add_updates(db, analyst, SLUG, 2)
    editor = make_user(Role.EDITOR)
    set_two_targets(db, editor)
    add_comments(db, analyst, editor)
    add_criteria_and_signposts(db, make_user(Role.EDITOR), make_user(Role.ANALYST))
    history_and_forecasts(
        db, make_user(Role.ANALYST), make_user(Role.ANALYST), make_user(Role.EDITOR)
    )
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app, headers=bearer(token))


def test_the_schema_covers_every_operation(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Every operation but the document's own address, which schemathesis leaves out.
    assert sorted(op.label for op in operations) == [
        f"GET {path}" for path in sorted(api_schema.raw_schema["paths"]) if path != "/openapi.json"
    ]


def test_the_api_answers_an_index_of_absolute_links_that_can_be_followed(
    client: FlaskClient, token: str
) -> None:
    index = client.get(f"{API}/", headers=bearer(token))
    assert index.status_code == 200
    body = index.json
    assert body["openapi"] == "http://localhost/api/v1/openapi.json"
    assert body["tokens"] == "http://localhost/account/tokens"
    assert body["feeds"]["updates"] == "http://localhost/feeds/updates.atom"
    for name, address in body["resources"].items():
        assert address.startswith("http://localhost/api/v1/")
        assert (
            client.get(address.removeprefix("http://localhost"), headers=bearer(token)).status_code
            == 200
        ), name

    source = client.get(f"{API}/sources", headers=bearer(token)).json["items"][0]
    assert source["url"] == f"http://localhost{API}/sources/{source['slug']}"
    assert source["page"] == f"http://localhost/sources/{source['slug']}"
    assert source["recommendations_url"].startswith("http://localhost/api/v1/recommendations?")
    rec = client.get(f"{API}/recommendations?limit=1", headers=bearer(token)).json
    assert rec["items"][0]["url"].startswith("http://localhost/api/v1/recommendations/")
    assert rec["items"][0]["page"].startswith("http://localhost/recommendations/")
    assert rec["next"].startswith("http://localhost/api/v1/recommendations?")
    document = client.get(f"{API}/openapi.json", headers=bearer(token)).json
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    assert document["components"]["schemas"]["Source"]["properties"]["page"]["format"] == "uri"


@schemathesis.check
def unknown_cursors_get_400(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """`positive_data_acceptance`, but for the answer the document gives an unknown cursor.

    A cursor is opaque: the schema cannot say which strings the API gave, so a generated one
    is unknown, and gets the 400 that the document states. Any other refusal still fails.
    """
    if (
        response.status_code == 400
        and "cursor" in (case.query or {})
        and response.json()["error"]["message"] == BAD_CURSOR
    ):
        return None
    return positive_data_acceptance(ctx, response, case)


def test_the_api_keeps_to_its_openapi_document(
    app: Flask, api_schema: schemathesis.BaseSchema
) -> None:
    """Every check schemathesis has, over all its phases, as `schemathesis run` would."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 must reach the checks, not raise
    api_schema.config.generation.update(max_examples=10, deterministic=True, database="none")
    api_schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])
    failures, errors, scenarios = [], [], 0
    for event in from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                failures += [
                    f"{check.name}: {case.method} {case.path} {case.query}: "
                    f"{check.failure_info.failure.title}"
                    for check in checks
                    if check.failure_info is not None
                ]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(event.info))
    assert scenarios >= 16 and not errors and not failures, (errors, failures)
