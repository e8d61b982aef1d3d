"""What an outside scan found (issue 16), each reproduced: it failed before the fix.

1. current-password guesses on /account were not throttled, audited or answered by a logout;
2. API tokens outlived a password change, a reset or disabling, and were made without the
   password;
3. a control character in an assessment broke every Atom feed that listed it;
4. a request body of any size was read, even before login;
5. crafted query parameters and form fields answered 500;
6. `tracker import` crashed on deep nesting and lone surrogates, and stored a NUL;
7. the session cookie had no `__Host-` prefix over HTTPS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracker.api.paging import encode
from tracker.api.tokens import create_token
from tracker.auth.services import WRONG_PASSWORDS_PER_SESSION
from tracker.config import REQUEST_LIMITS, from_environment
from tracker.models import ApiToken, AuditEvent, Recommendation, StatusUpdate, User
from tracker.recommendations.forms import MAX_EVIDENCE_ROWS
from tracker.vocabulary import Role

from .conftest import Auth
from .helpers import PASSWORD, SLUG, add_updates, evidence_row, form_fields, update_form

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
NEW_PASSWORD = "a brand new passphrase"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def events(db: Session, action: str) -> list[AuditEvent]:
    db.rollback()  # see what the requests committed
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# 1. Current-password guesses


def change_password(client: FlaskClient, current: str, **environ: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/account",
        data={"current_password": current, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        **({"environ_base": environ} if environ else {}),
    )


def multipart(fields: dict[str, str]) -> dict[str, object]:
    """A multipart body encoded here, in memory (the test client's spills to a file)."""
    boundary = "tracker-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_wrong_current_passwords_are_audited_and_end_the_session(
    client: FlaskClient, db: Session, make_user: Callable[..., User], auth: Auth
) -> None:
    user = make_user(Role.VIEWER)
    auth.login(user)
    for _ in range(WRONG_PASSWORDS_PER_SESSION - 1):
        wrong = change_password(client, "not my password at all")
        assert wrong.status_code == 200
        assert "That is not your current password." in wrong.get_data(as_text=True)
    assert len(events(db, "password.check_failed")) == WRONG_PASSWORDS_PER_SESSION - 1
    ended = change_password(client, "not my password at all")
    assert ended.status_code == 302 and ended.location.endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "the password was wrong too many times" in page
    # The session is over: the right password cannot be tried in it any more.
    assert change_password(client, PASSWORD).status_code == 302
    assert client.get("/account").status_code == 302
    failed = events(db, "password.check_failed")
    assert [event.after["failures_in_session"] for event in failed] == list(
        range(1, WRONG_PASSWORDS_PER_SESSION + 1)
    )
    assert all(event.user_id == user.id for event in failed)
    assert len(events(db, "logout.wrong_passwords")) == 1
    db.refresh(user)
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_wrong_current_passwords_are_throttled_per_account(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], auth: Auth
) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    user = make_user(Role.VIEWER)
    auth.login(user)
    for _ in range(3):
        assert change_password(client, "a wrong guess, again").status_code == 200
    throttled = change_password(client, PASSWORD)  # right, but not even checked
    assert throttled.status_code == 429
    assert "Too many wrong passwords" in throttled.get_data(as_text=True)
    assert "Retry-After" in throttled.headers
    # Another account of the same address is not held back.
    other_client = app.test_client()
    Auth(other_client).login(make_user(Role.VIEWER))
    assert change_password(other_client, PASSWORD).status_code == 302


def test_wrong_current_passwords_are_throttled_per_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    address = {"REMOTE_ADDR": "198.51.100.9"}
    clients = []
    for _ in range(2):
        client = app.test_client()
        Auth(client).login(make_user(Role.VIEWER), environ_base=address)
        assert change_password(client, "a wrong guess, again", **address).status_code == 200
        clients.append(client)
    assert change_password(clients[0], PASSWORD, **address).status_code == 429
    # Another address is not held back.
    other = app.test_client()
    elsewhere = {"REMOTE_ADDR": "198.51.100.10"}
    Auth(other).login(make_user(Role.VIEWER), environ_base=elsewhere)
    assert change_password(other, PASSWORD, **elsewhere).status_code == 302


# 2. API tokens end with the password that made them


@pytest.fixture
def owner(db: Session, make_user: Callable[..., User], auth: Auth) -> tuple[User, str]:
    """A logged-in viewer with a working API token."""
    user = make_user(Role.VIEWER)
    auth.login(user)
    _, secret = create_token(db, user, "script")
    db.commit()
    return user, secret


def api_status(app: Flask, secret: str) -> tuple[int, int]:
    program = app.test_client()
    return (
        program.get("/api/v1/themes", headers=bearer(secret)).status_code,
        program.get("/feeds/updates.atom", query_string={"token": secret}).status_code,
    )


def test_a_password_change_revokes_the_tokens_and_says_so(
    app: Flask, client: FlaskClient, db: Session, owner: tuple[User, str]
) -> None:
    _, secret = owner
    assert api_status(app, secret) == (200, 200)
    changed = change_password(client, PASSWORD)
    assert changed.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "your API token is revoked" in page
    assert api_status(app, secret) == (401, 401)
    assert events(db, "password.change")[0].after == {"sessions_ended": 0, "tokens_revoked": 1}


def test_a_reset_revokes_the_tokens(
    app: Flask, runner: FlaskCliRunner, owner: tuple[User, str]
) -> None:
    user, secret = owner
    result = runner.invoke(
        args=["users", "reset-password", user.email, "--password-stdin"], input=NEW_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "sessions ended: 1. API tokens revoked: 1." in result.output
    assert api_status(app, secret) == (401, 401)


@pytest.mark.parametrize("how", ["web", "command"])
def test_disabling_revokes_the_tokens_for_good(
    app: Flask,
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    owner: tuple[User, str],
    how: str,
) -> None:
    user, secret = owner
    if how == "web":
        admin = app.test_client()
        Auth(admin).login(make_user(Role.ADMIN))
        answer = admin.post(
            f"/admin/users/{user.id}/active", data={f"user-{user.id}-active": "0"},
            follow_redirects=True,
        )  # fmt: skip
        assert "its API tokens are revoked" in answer.get_data(as_text=True)
    else:
        assert runner.invoke(args=["users", "disable", user.email]).exit_code == 0
    assert runner.invoke(args=["users", "enable", user.email]).exit_code == 0
    assert api_status(app, secret) == (401, 401)  # re-enabling gives no token back


def test_making_a_token_asks_for_the_password_again(
    client: FlaskClient, db: Session, make_user: Callable[..., User], auth: Auth
) -> None:
    auth.login(make_user(Role.VIEWER))
    without = client.post("/account/tokens", data={"name": "stolen"}).get_data(as_text=True)
    assert "Enter your password." in without and "trk_" not in without
    wrong = client.post("/account/tokens", data={"name": "stolen", "password": "a good guess?"})
    assert "That is not your current password." in wrong.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert len(events(db, "password.check_failed")) == 1
    right = client.post("/account/tokens", data={"name": "mine", "password": PASSWORD})
    assert re.search(r'<code id="new-token">trk_[\w-]+</code>', right.get_data(as_text=True))


# 3. Control characters


@pytest.mark.parametrize("character", ["\x0b", "\x01", "\x1b", "\x7f", "\x85", "\ufffe"])
def test_control_characters_are_refused_in_an_update(
    client: FlaskClient, db: Session, analyst: User, character: str
) -> None:
    form = update_form(
        evidence_row(0, title=f"Story{character}"), assessment=f"Talks resumed{character}."
    )
    response = client.post(f"/recommendations/{SLUG}/updates/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # Both fields, each beside the field and again in the error summary.
    assert page.count(f"control character (U+{ord(character):04X})") == 4
    assert "Assessment: Remove a control character" in page
    assert "Evidence 1, Title: Remove a control character" in page
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 0
    assert client.get("/feeds/updates.atom").status_code == 200


def test_tabs_and_line_breaks_are_kept(client: FlaskClient, db: Session, analyst: User) -> None:
    form = update_form(assessment="Talks resumed:\r\n\tin October.")
    assert client.post(f"/recommendations/{SLUG}/updates/new", data=form).status_code == 302
    assert db.scalars(select(StatusUpdate.assessment)).one() == "Talks resumed:\r\n\tin October."


def test_every_form_refuses_control_characters_in_its_text_fields(app: Flask) -> None:
    """Every form's text fields, on every page, by the one rule of the shared base."""
    from wtforms import Form, PasswordField, StringField

    from tracker.forms import SubForm, TrackerForm

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    from werkzeug.datastructures import MultiDict

    # Every form Tracker defines, those only the importer fills included.
    forms = [form for form in subclasses(Form) if form.__module__.startswith("tracker.")]
    assert len(forms) > 15
    checked = 0
    for form_class in forms:
        assert issubclass(form_class, TrackerForm | SubForm), form_class
        with app.test_request_context(method="POST"):
            names = [field.name for field in form_class()]
            form = form_class(formdata=MultiDict({name: "text\x01" for name in names}))
            for field in form:
                if isinstance(field, StringField) and not isinstance(field, PasswordField):
                    assert not field.validate(form), (form_class, field.name)
                    assert any("U+0001" in error for error in field.errors), field.errors
                    checked += 1
    assert checked > 30


def test_text_stored_before_the_rule_no_longer_breaks_the_feeds(
    client: FlaskClient, db: Session, make_user: Callable[..., User], analyst: User
) -> None:
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    db.execute(update(StatusUpdate).values(assessment="Held\x0b back\x01."))
    db.execute(update(Recommendation).values(title="Resume\x0b cooperation"))
    db.commit()
    for url in ("/feeds/updates.atom", f"/feeds/recommendations/{SLUG}.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Held back." in response.data and b"\x0b" not in response.data


# 4. The size of a request


def test_a_huge_body_is_refused_before_login_with_the_sites_page(client: FlaskClient) -> None:
    body = "email=a%40example.org&password=" + "x" * (REQUEST_LIMITS["MAX_CONTENT_LENGTH"] * 4)
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "more than this site reads in one request" in page and "<nav" in page
    # Before login, little more than a login form is read.
    modest = "password=" + "x" * REQUEST_LIMITS["MAX_ANONYMOUS_CONTENT_LENGTH"]
    response = client.post("/login", data=modest, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_too_many_fields_are_refused(client: FlaskClient, analyst: User, encoding: str) -> None:
    fields = {f"f{index}": "" for index in range(REQUEST_LIMITS["MAX_FORM_PARTS"] + 1)}
    if encoding == "multipart":
        response = client.post("/account", **multipart(fields))  # type: ignore[arg-type]
    else:
        body = "&".join(f"{name}=" for name in fields)
        response = client.post(
            "/account", data=body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 413


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_the_largest_legitimate_form_is_read(
    client: FlaskClient, db: Session, make_user: Callable[..., User], auth: Auth, encoding: str
) -> None:
    """A source's full text at its longest, in 4-byte characters, URL-encoded or multipart."""
    auth.login(make_user(Role.EDITOR))
    fields = form_fields(client.get(f"/sources/{SOURCE}/edit").get_data(as_text=True))
    passages = db.scalars(
        select(Recommendation.passage)
        .join(Recommendation.source)
        .where(Recommendation.source.has(slug=SOURCE))
    ).all()
    kept = "\n".join(passages)
    fields["text"] = kept + "\n" + "😀" * (500_000 - len(kept) - 1)
    if encoding == "multipart":
        body = multipart({name: str(value) for name, value in fields.items()})
        response = client.post(f"/sources/{SOURCE}/edit", **body)  # type: ignore[arg-type]
    else:
        response = client.post(f"/sources/{SOURCE}/edit", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


# 5. Crafted parameters


CRAFTED = [
    "/report?_method=POST",
    f"/sources/{SOURCE}/report?_method=POST",
    f"/sources/{SOURCE}/report?slug=other&endpoint=x&_external=1",
    f"/recommendations/{SLUG}?_method=POST&page=2",
    f"/recommendations/{SLUG}?slug=other&page=2",
    "/?page=99999999999999999999999",
    "/corrections?before=99999999999999999999999",
    "/audit?before=99999999999999999999999",
    "/search?q=talks&page=99999999999999999999999",
    "/search?q=talks&page=2&_method=POST",
    "/login?next=/%0d%0aX",
]


def test_crafted_parameters_answer_no_server_error(
    client: FlaskClient, db: Session, make_user: Callable[..., User], auth: Auth
) -> None:
    add_updates(db, make_user(Role.ANALYST), SLUG, 55)  # a second page of the timeline
    auth.login(make_user(Role.ADMIN))
    for url in CRAFTED:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code >= 400:
            assert "<nav" in response.get_data(as_text=True), url  # the site's page
    huge = [url for url in CRAFTED if "99999999999999999999999" in url]
    assert {client.get(url).status_code for url in huge} == {400}
    assert client.get("/login?next=/%0d%0aX").location == "/"


@pytest.mark.parametrize(
    "position",
    [
        {"offset": 10**30},
        {"offset": 1e308},
        {"after": ["2020-02-01", "2020-02-01T00:00:00+00:00", 10**30]},
        {"after": ["2020-02-01", "2020-02-01T00:00:00+00:00", float("inf")]},
        {"after": [[[[[[["deep"]]]]]]]},
        {"after": json.loads("[" * 900 + "]" * 900)},
    ],
)
def test_crafted_cursors_answer_400(
    client: FlaskClient, db: Session, make_user: Callable[..., User], position: object
) -> None:
    add_updates(db, make_user(Role.ANALYST), SLUG, 1)
    _, secret = create_token(db, make_user(Role.VIEWER), "script")
    db.commit()
    cursor = encode(position)  # type: ignore[arg-type]
    nested = "W" * 10 + "1" * 10  # not base64 of JSON at all
    for url in (
        f"/api/v1/search?q=talks&cursor={cursor}",
        f"/api/v1/recommendations/{SLUG}/updates?cursor={cursor}",
        f"/api/v1/themes?cursor={nested}",
        "/api/v1/themes?cursor=" + encode({"after": []}) * 200,
    ):
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 400, url
        assert response.json["error"]["message"].startswith("The cursor is not one")
    # A list paged by keys compares them: any well-formed key is a place in it.
    assert client.get(f"/api/v1/sources?cursor={cursor}", headers=bearer(secret)).status_code in (
        200,
        400,
    )


def test_a_deeply_nested_cursor_is_refused(
    client: FlaskClient, db: Session, make_user: Callable[..., User]
) -> None:
    _, secret = create_token(db, make_user(Role.VIEWER), "script")
    db.commit()
    cursor = encode({"offset": 0}).rstrip("=")
    import base64

    deep = base64.urlsafe_b64encode(b"[" * 100_000).decode()[:990]
    for candidate in (cursor + "!", deep):
        response = client.get(f"/api/v1/search?q=x&cursor={candidate}", headers=bearer(secret))
        assert response.status_code == 400


@pytest.mark.parametrize("version", ["abc", "", "1e3", "²", "9" * 40])
def test_a_forged_version_in_an_edit_form_answers_400(
    client: FlaskClient, make_user: Callable[..., User], auth: Auth, version: str
) -> None:
    auth.login(make_user(Role.EDITOR))
    for url in (f"/recommendations/{SLUG}/edit", f"/sources/{SOURCE}/edit"):
        fields = form_fields(client.get(url).get_data(as_text=True))
        fields["version"] = version
        response = client.post(url, data=fields)
        assert response.status_code in (200, 400), url  # empty: the form says it is required
        if version:
            assert response.status_code == 400
            assert "The form was not sent as the page wrote it" in response.get_data(as_text=True)


# 6. tracker import


def import_file(runner: FlaskCliRunner, tmp_path: Path, content: str, suffix: str = ".json"):  # type: ignore[no-untyped-def]
    path = tmp_path / f"crafted{suffix}"
    path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["import", str(path)])


def minimal_update(**overrides: object) -> dict[str, object]:
    update = {
        "key": "crafted-1",
        "recommendation": SLUG,
        "author": "field@example.org",
        "logged_at": "2024-03-01T09:00:00+00:00",
        "status": "in_progress",
        "as_of": "2024-02-01",
        "confidence": "moderate",
        "assessment": "Talks resumed.",
        "evidence": [
            {
                "url": "https://news.example.org/a",
                "title": "A story",
                "publisher": "Example News",
                "published_on": "2024-01-20",
                "excerpt": "Words.",
                "stance": "supports",
                "reliability": "B",
                "credibility": "2",
            }
        ],
    }
    update.update(overrides)
    return update


@pytest.mark.parametrize(
    "content, expected",
    [
        ("[" * 100_000 + "]" * 100_000, ["$: This JSON is nested too deeply to read."]),
        (
            json.dumps({"updates": [minimal_update(assessment="Talks\ud800 resumed.")]}),
            ["$.updates[0].assessment: Remove a lone surrogate (U+D800) at character 6"],
        ),
        (
            json.dumps({"updates": [minimal_update(assessment="Talks\x00.", key="k\x0b")]}),
            [
                "$.updates[0].key: Remove a control character (U+000B) at character 2",
                "$.updates[0].assessment: Remove a control character (U+0000) at character 6",
            ],
        ),
        (
            json.dumps({"sources": [{"slug": "s", "title": "T\x01", "recommendations": []}]}),
            ["$.sources[0].title: Remove a control character (U+0001) at character 2"],
        ),
        (
            json.dumps({"updates": [{"a": [[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]}]}),
            ["Nested deeper than 16 levels"],
        ),
        (json.dumps({"\ud800": 1}), ["$.'\\ud800': In the name of this member"]),
    ],
)
def test_a_crafted_json_import_fails_with_one_line_per_problem(
    runner: FlaskCliRunner, db: Session, tmp_path: Path, content: str, expected: list[str]
) -> None:
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    result = import_file(runner, tmp_path, content)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert lines[0].endswith("nothing was imported.")
    assert len(lines) == 1 + len(expected), lines
    for line, start in zip(lines[1:], expected, strict=True):
        assert start in line, line
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_csv_import_refuses_control_characters_by_line_and_column(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    from tracker.exchange.formats import CSV_COLUMNS

    row = {
        f"evidence_{name}": str(value) for name, value in minimal_update()["evidence"][0].items()
    }  # type: ignore[index]
    row |= {name: str(value) for name, value in minimal_update().items() if name != "evidence"}
    row |= {"author_email": "field@example.org", "assessment": "Talks\x00 resumed."}
    cells = [row.get(name, "") for name in CSV_COLUMNS]
    content = ",".join(CSV_COLUMNS) + "\n" + ",".join(f'"{cell}"' for cell in cells) + "\n"
    result = import_file(runner, tmp_path, content, ".csv")
    assert result.exit_code == 1, result.output
    assert "line 2, column assessment: Remove a control character (U+0000)" in result.output
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 0


# 7. The session cookie over HTTPS


def test_the_session_cookie_is_host_prefixed_over_https(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], monkeypatch
) -> None:
    monkeypatch.setenv("TRACKER_HTTPS", "1")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "x")
    assert from_environment("/nonexistent")["SESSION_COOKIE_SECURE"] is True
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user(Role.VIEWER)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # The cookie works, under its new name.
    assert client.get("/account", base_url="https://localhost").status_code == 200
    document = client.get("/api/v1/openapi.json", base_url="https://localhost").json
    assert document["components"]["securitySchemes"]["session"]["name"] == "__Host-session"


def test_the_session_cookie_keeps_its_name_over_plain_http(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.VIEWER)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Set-Cookie"].startswith("session=")


# Also seen


@pytest.mark.parametrize(
    "method, url, allowed",
    [
        ("DELETE", "/", "GET, HEAD, OPTIONS"),
        ("PUT", "/login", "GET, HEAD, OPTIONS, POST"),
        ("GET", "/logout", "OPTIONS, POST"),
        ("POST", "/api/v1/themes", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_405_says_which_methods_are_allowed(
    client: FlaskClient, analyst: User, method: str, url: str, allowed: str
) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert sorted(response.headers["Allow"].split(", ")) == sorted(allowed.split(", "))


@pytest.mark.parametrize("rows", [MAX_EVIDENCE_ROWS + 1, 120])
def test_evidence_beyond_the_limit_is_refused_saying_so(
    client: FlaskClient, db: Session, analyst: User, rows: int
) -> None:
    form = update_form(*(evidence_row(index) for index in range(rows)))
    response = client.post(f"/recommendations/{SLUG}/updates/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Give at most {MAX_EVIDENCE_ROWS} rows of evidence: {rows:,} were sent" in page
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 0


def test_ten_thousand_evidence_rows_are_refused(
    client: FlaskClient, db: Session, analyst: User
) -> None:
    form = update_form(*(evidence_row(index) for index in range(10_000)))
    response = client.post(f"/recommendations/{SLUG}/updates/new", data=form)
    assert response.status_code == 413
    assert db.scalar(select(func.count()).select_from(StatusUpdate)) == 0


def test_logging_out_clears_what_the_browser_kept_and_trace_is_refused(
    client: FlaskClient, analyst: User
) -> None:
    assert client.open("/", method="TRACE").status_code == 405
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_security_md_answers_every_level_2_requirement_with_a_real_test() -> None:
    """Each test SECURITY.md names exists; each requirement it names is one of ASVS 5.0."""
    root = Path(__file__).parents[1]
    text = (root / "SECURITY.md").read_text()
    named = set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", text))
    assert len(named) > 80
    missing = [
        f"{file}::{test}"
        for file, test in sorted(named)
        if f"def {test}(" not in (root / "tests" / file).read_text()
    ]
    assert missing == []
    for chapter in range(1, 18):
        # By its requirements (V6.2.1), or as a whole chapter that does not apply (V17 (all)).
        answered = rf"\bV{chapter}(\.\d|\s+\(all\))"
        assert re.search(answered, text), f"chapter V{chapter} is not answered"


def test_the_readme_documents_every_setting() -> None:
    config = (Path(__file__).parents[1] / "tracker" / "config.py").read_text()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    settings = set(re.findall(r'"(TRACKER_[A-Z_]+)"', config))
    assert "TRACKER_TRUSTED_HOSTS" in settings
    assert [name for name in sorted(settings) if f"`{name}`" not in readme] == []
