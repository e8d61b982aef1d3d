"""Import and export, through the `tracker` command and the dashboard's download links."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import Form

from tracker.bulk import LARGE_LOAD
from tracker.cli import NOUNS
from tracker.comments.operations import add_comment, edit_comment, hide_comment
from tracker.db import get_engine
from tracker.exchange.commands import summary
from tracker.exchange.formats import CSV_COLUMNS
from tracker.field_rules import EVIDENCE, UPDATE, Rule, check_columns, check_fields
from tracker.models import (
    Assignment,
    AuditEvent,
    Comment,
    CommentRevision,
    ContentVersion,
    Evidence,
    Notification,
    Recommendation,
    StatusRevision,
    StatusUpdate,
    User,
    recommendation_co_owner,
)
from tracker.recommendations.forms import EvidenceForm, StatusUpdateForm
from tracker.status_updates import (
    CHUNK,
    LOADED,
    READ_AFTER_LOADING,
    EvidenceInput,
    NewStatusUpdate,
    approve_status_update,
    correct_status_update,
    record_status_update,
    record_status_updates,
    retract_status_update,
)
from tracker.vocabulary import Confidence, Credibility, Reliability, Role, Stance, Status

from .conftest import Auth, empty_database, round_trip
from .helpers import PASSWORD, SLUG, add_updates

SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"


def count(db: Session, model: type) -> int:
    db.rollback()  # see what the command committed
    return db.scalar(select(func.count()).select_from(model)) or 0


def csv_row(key: str, recommendation: str, **overrides: str) -> dict[str, str]:
    row = {
        "key": key,
        "recommendation": recommendation,
        "author_email": "field@example.org",
        "author_name": "Field Analyst",
        "logged_at": "2024-03-01T09:00:00+00:00",
        "status": "in_progress",
        "as_of": "2024-02-01",
        "confidence": "moderate",
        "assessment": f"Talks resumed ({key}).",
        "retracted_at": "",
        "retracted_by": "",
        "retraction_reason": "",
        "evidence_url": f"https://news.example.org/{key}",
        "evidence_title": f"Report {key}",
        "evidence_publisher": "Example News",
        "evidence_published_on": "2024-01-31",
        "evidence_excerpt": "Delegations met in Baghdad.",
        "evidence_stance": "supports",
        "evidence_reliability": "B",
        "evidence_credibility": "2",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def slugs(db: Session) -> list[str]:
    return list(db.scalars(select(Recommendation.slug).order_by(Recommendation.id)))


def planner_knows_the_updates(db: Session) -> bool:
    if db.get_bind().dialect.name == "sqlite":
        statistics = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'status_update'"
    else:
        statistics = (
            "SELECT count(*) FROM pg_stat_user_tables"
            " WHERE relname = 'status_update' AND last_analyze IS NOT NULL"
        )
    return bool(db.scalar(text(statistics)))


def test_a_csv_of_10000_updates_imports_whole_with_a_progress_bar(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    recommendations = slugs(db)
    rows = [
        csv_row(f"update-{n}", recommendations[n % len(recommendations)],
                logged_at=f"2024-03-01T09:00:00.{n:06d}+00:00")
        for n in range(10_000)
    ]  # fmt: skip
    path = write_csv(tmp_path / "updates.csv", rows)

    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 0, result.output
    assert "Importing status updates" in result.stderr
    assert (
        f"Imported {path}: 10,000 status updates; 1 author account created, disabled."
        in result.stdout
    )
    assert count(db, StatusUpdate) == 10_000
    assert count(db, Evidence) == 10_000
    assert db.scalar(select(func.count()).where(StatusRevision.number == 1)) == 10_000
    assert (
        db.scalar(select(func.count()).where(AuditEvent.action == "status_update.create")) == 10_000
    )
    author = db.scalars(select(User).where(User.email == "field@example.org")).one()
    assert (author.name, author.active) == ("Field Analyst", False)
    assert planner_knows_the_updates(db)  # statistics gathered again after a large import

    again = runner.invoke(args=["import", str(path)])
    assert again.exit_code == 0, again.output
    assert "nothing new; 10,000 status updates already present" in again.stdout
    assert count(db, StatusUpdate) == 10_000


def test_several_files_import_in_one_transaction_in_their_order(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [csv_row("a1", SLUG), csv_row("a2", SLUG)])
    # The second file holds one of the first's updates again, and one of its own.
    second = write_csv(tmp_path / "second.csv", [csv_row("a2", SLUG), csv_row("b1", SLUG)])

    dry = runner.invoke(args=["import", str(first), str(second), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == (
        f"Dry run: {first} has no error; it would add 2 status updates; "
        "1 author account created, disabled.\n"
        f"Dry run: {second} has no error; it would add 1 status update; "
        "1 status update already present. Nothing was changed.\n"
    )
    assert count(db, StatusUpdate) == 0

    result = runner.invoke(args=["import", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Imported {first}: 2 status updates; 1 author account created, disabled.\n"
        f"Imported {second}: 1 status update; 1 status update already present.\n"
    )
    assert count(db, StatusUpdate) == 3
    files = db.scalars(select(AuditEvent.after).where(AuditEvent.action == "import")).all()
    assert [after["file"] for after in files] == ["first.csv", "second.csv"]


def test_an_error_in_a_later_file_imports_nothing_and_says_what_was_not_read(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", [csv_row("a1", SLUG)])
    refused = write_csv(tmp_path / "refused.csv", [csv_row("b1", "no-such-recommendation")])
    later = [write_csv(tmp_path / f"later-{n}.csv", [csv_row(f"c{n}", SLUG)]) for n in range(2)]

    result = runner.invoke(args=["import", str(good), str(refused), *map(str, later)])

    assert result.exit_code == 1
    assert result.stdout == ""
    said = result.stderr.splitlines()
    assert said[-3] == f"{refused}: 1 error; nothing was imported."
    assert "No recommendation has the slug “no-such-recommendation”." in said[-2]
    assert said[-1] == "Not read, after it: 2 files."
    assert count(db, StatusUpdate) == 0  # not even the first file's
    assert db.scalars(select(User).where(User.email == "field@example.org")).first() is None


def indexes(db: Session) -> list[tuple[str, str, list[str | None]]]:
    """The indexes of the tables a large import loads, as the database holds them."""
    inspector = inspect(db.connection())
    found = sorted(
        (table.name, index["name"], index["column_names"])
        for table in LOADED
        for index in inspector.get_indexes(table.name)
    )
    db.rollback()
    return found


def large_csv(tmp_path: Path, recommendations: list[str], **at: dict[str, str]) -> Path:
    """A CSV of `LARGE_LOAD` updates; `at` overrides the fields of the rows it numbers."""
    rows = [
        csv_row(f"update-{n}", recommendations[n % len(recommendations)],
                logged_at=f"2024-03-01T09:00:00.{n:06d}+00:00", **at.get(str(n), {}))
        for n in range(LARGE_LOAD)
    ]  # fmt: skip
    return write_csv(tmp_path / "updates.csv", rows)


def test_a_large_import_builds_its_indexes_again_and_is_searched(
    runner: FlaskCliRunner, db: Session, client: FlaskClient, analyst: User, tmp_path: Path
) -> None:
    before = indexes(db)
    assert ("status_update", "ix_status_update_as_of", ["as_of"]) in before
    path = large_csv(
        tmp_path, slugs(db),
        **{"7777": {"assessment": "Quokkas gathered.", "evidence_excerpt": "Zanzibar signed."}},
    )  # fmt: skip
    db.rollback()

    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 0, result.output
    assert indexes(db) == before
    update = db.scalars(select(StatusUpdate).where(StatusUpdate.import_key == "update-7777")).one()
    revision = db.scalars(select(StatusRevision).where(StatusRevision.update_id == update.id)).one()
    assert (revision.number, revision.kind.value, revision.assessment, revision.created_at) == (
        1, "original", "Quokkas gathered.", update.created_at,
    )  # fmt: skip
    db.rollback()
    for words, kind in (("quokkas", "assessment"), ("zanzibar", "evidence")):
        hits = client.get(f"/api/v1/search?q={words}").json["items"]
        assert [(hit["kind"], hit["update_id"]) for hit in hits] == [(kind, update.id)]


def test_a_large_import_refused_half_way_leaves_rows_and_indexes_as_they_were(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    before = indexes(db)
    path = large_csv(tmp_path, slugs(db), **{"7777": {"status": "finished"}})
    db.rollback()

    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    assert indexes(db) == before
    assert count(db, StatusUpdate) == count(db, StatusRevision) == count(db, Evidence) == 0


def test_a_large_load_that_fails_half_way_leaves_rows_and_indexes_as_they_were(
    db: Session, make_user: Callable[..., User]
) -> None:
    author = make_user(Role.ANALYST)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    before = indexes(db)
    events = count(db, AuditEvent)

    def updates() -> Iterator[NewStatusUpdate]:
        for n in range(LARGE_LOAD):
            if n == 3 * CHUNK + 1:
                raise RuntimeError("the source of the updates broke")
            yield NewStatusUpdate(
                recommendation=recommendation, author=author, status=Status.IN_PROGRESS,
                as_of=dt.date(2024, 2, 1), assessment=f"Update {n}.",
                confidence=Confidence.MODERATE, logged_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
                evidence=[EvidenceInput(
                    url=f"https://news.example.org/{n}", title="Report", publisher="News",
                    excerpt="Quoted.", stance=Stance.SUPPORTS, reliability=Reliability.B,
                    credibility=Credibility.PROBABLE,
                )],
            )  # fmt: skip

    with pytest.raises(RuntimeError):
        record_status_updates(db, updates(), expected=LARGE_LOAD)

    # In the transaction, which goes on: the load's rows are gone and its indexes are back.
    for model, rows in ((StatusUpdate, 0), (StatusRevision, 0), (AuditEvent, events)):
        assert db.scalar(select(func.count()).select_from(model)) == rows
    assert indexes(db) == before


def test_an_import_of_many_large_files_builds_each_index_it_dropped_once_at_its_end(
    app: Flask, runner: FlaskCliRunner, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.bulk.LARGE_LOAD", 40)
    recommendations = slugs(db)
    before = indexes(db)
    paths = []
    for file in range(4):  # from the fourth on, a file adds less than half again to the tables
        rows = [
            csv_row(f"update-{file}-{n}", recommendations[n % len(recommendations)],
                    as_of=f"2024-02-{file + 1:02d}",
                    logged_at=f"2024-03-0{file + 1}T09:00:00.{n:06d}+00:00")
            for n in range(40)
        ]  # fmt: skip
        paths.append(write_csv(tmp_path / f"updates-{file}.csv", rows))
    statements: list[str] = []
    engine = get_engine(app)

    def listener(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith(("CREATE INDEX", "DROP INDEX")):
            statements.append(statement.split(" ON ")[0])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = runner.invoke(args=["import", *map(str, paths)])
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert result.exit_code == 0, result.output
    assert indexes(db) == before
    if engine.dialect.name == "sqlite":
        assert Counter(statements) == Counter(
            f"{verb} INDEX {name}" for _, name, _ in before if name not in READ_AFTER_LOADING
            for verb in ("DROP", "CREATE")
        )  # fmt: skip
    else:
        assert statements == []
    assert count(db, StatusUpdate) == count(db, StatusRevision) == 160
    # Each recommendation points at its latest update, the fourth file's.
    pointed = db.execute(
        select(Recommendation.slug, StatusUpdate.import_key)
        .join(StatusUpdate, StatusUpdate.id == Recommendation.current_update_id)
    ).all()  # fmt: skip
    assert len(pointed) == len(recommendations)
    assert all(key.startswith("update-3-") for _, key in pointed)


def test_a_large_import_while_another_transaction_reads_the_updates_imports_whole(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    path = large_csv(tmp_path, slugs(db))
    db.rollback()
    reader = Session(db.get_bind())
    reader.scalar(select(func.count()).select_from(StatusUpdate))  # its transaction stays open
    try:
        result = runner.invoke(args=["import", str(path)])
    finally:
        reader.close()

    assert result.exit_code == 0, result.output
    assert count(db, StatusUpdate) == LARGE_LOAD


def test_an_imported_author_has_no_usable_password_until_one_is_set(
    runner: FlaskCliRunner, client: FlaskClient, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "updates.csv", [csv_row("one", SLUG)])
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "field@example.org"]).exit_code == 0
    for password in ("", PASSWORD, "!"):
        refused = client.post("/login", data={"email": "field@example.org", "password": password})
        assert refused.status_code == 200
    result = runner.invoke(
        args=["users", "reset-password", "field@example.org", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    login = client.post("/login", data={"email": "field@example.org", "password": PASSWORD})
    assert login.status_code == 302


def test_an_import_is_searched_audited_and_made_current(
    runner: FlaskCliRunner, db: Session, client: FlaskClient, analyst: User, tmp_path: Path
) -> None:
    rows = [
        csv_row("early", SLUG, as_of="2024-01-10", assessment="Quokkas gathered early."),
        csv_row("late", SLUG, as_of="2024-02-10", evidence_excerpt="Zanzibar envoys signed."),
    ]
    result = runner.invoke(args=["import", str(write_csv(tmp_path / "updates.csv", rows))])
    assert result.exit_code == 0, result.output

    db.rollback()  # see what the command committed
    early, late = (
        db.scalars(select(StatusUpdate).where(StatusUpdate.import_key == key)).one()
        for key in ("early", "late")
    )
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    assert recommendation.current_update_id == late.id
    for words, kind, update in (("quokkas", "assessment", early), ("zanzibar", "evidence", late)):
        hits = client.get(f"/api/v1/search?q={words}").json["items"]
        assert [(hit["kind"], hit["update_id"]) for hit in hits] == [(kind, update.id)]
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "status_update.create", AuditEvent.target_id == late.id
        )
    ).one()
    assert event.after == {
        "recommendation": SLUG,
        "status": "in_progress",
        "as_of": "2024-02-10",
        "confidence": "moderate",
        "assessment": "Talks resumed (late).",
        "evidence": ["https://news.example.org/late"],
    }


def test_a_file_with_three_errors_is_refused_whole_naming_each(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    rows = [
        csv_row("a", SLUG),
        csv_row("b", SLUG, as_of=tomorrow),
        csv_row("c", SLUG, evidence_url="https://news.example.org/c-1"),
        csv_row("c", SLUG, evidence_url="https://news.example.org/c-2", evidence_reliability="G"),
        csv_row("d", "no-such-recommendation"),
        csv_row("e", SLUG),
    ]
    path = write_csv(tmp_path / "updates.csv", rows)
    before = count(db, StatusUpdate), count(db, User), count(db, AuditEvent)

    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-4:] == [
        f"{path}: 3 errors; nothing was imported.",
        "  line 3, column as_of: The date cannot be in the future.",
        "  line 5, column evidence_reliability: Not a valid choice.",
        "  line 6, column recommendation: No recommendation has the slug “no-such-recommendation”.",
    ]
    assert (count(db, StatusUpdate), count(db, User), count(db, AuditEvent)) == before


def test_json_errors_name_their_path(runner: FlaskCliRunner, db: Session, tmp_path: Path) -> None:
    document = {
        "format": "tracker-export",
        "version": 1,
        "updates": [
            {
                "key": "x1",
                "recommendation": SLUG,
                "author": "a@example.org",
                "status": "not_assessed",
                "as_of": "2024-01-01",
                "confidence": "sure",
                "assessment": "Nothing.",
                "evidence": [{"url": "ftp://example.org/x", "title": "T", "publisher": "P",
                              "excerpt": "E", "stance": "supports", "reliability": "A",
                              "credibility": "7"}],
            }
        ],
    }  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-5:] == [
        f"{path}: 4 errors; nothing was imported.",
        "  $.updates[0].status: Not a valid choice.",
        "  $.updates[0].confidence: Not a valid choice.",
        "  $.updates[0].evidence[0].url: Use a link that starts with http:// or https://.",
        "  $.updates[0].evidence[0].credibility: Not a valid choice.",
    ]
    assert count(db, StatusUpdate) == 0


# Values at the edges of the form's rules: blank, padded, malformed, out of range, unknown.
EDGE_VALUES = [
    "", " ", "\t", " x ", "x", "é", "x" * 301, "x" * 20_001,
    "2024-02-01", "2024-2-1", " 2024-02-01", "2024-02-30", "20240201", "0000-01-01",
    "2024-02-01T00:00", (dt.date.today() + dt.timedelta(days=1)).isoformat(),
    "https://news.example.org/a", "HTTPS://news.example.org/a", "http://x.org?q#f",
    "https://u@news.example.org/", "https://news.example.org@evil.example/",
    "https://news.example.org:8080/x", "https://news.example.org:99999/", "https://localhost/",
    "https://news.example.org/a b", "ftp://example.org/x", "http://[::1]/", "http://127.0.0.1/x",
    "https://exa_mple.org", "https://example.o/", "https://-x.org/",
    "supports", "Supports", "contradicts", "A", "b", "2", "7",
    "in_progress", "not_assessed", "low",
]  # fmt: skip


class UpdateFields(Form):
    """The status update form's own fields, less its evidence rows and its CSRF token."""

    status = StatusUpdateForm.status
    as_of = StatusUpdateForm.as_of
    assessment = StatusUpdateForm.assessment
    confidence = StatusUpdateForm.confidence


@pytest.mark.parametrize(
    ("form_class", "rules", "row"),
    [
        (UpdateFields, UPDATE, {"status": "in_progress", "as_of": "2024-02-01",
                                "assessment": "A", "confidence": "moderate"}),
        (EvidenceForm, EVIDENCE, {"url": "https://news.example.org/a", "title": "T",
                                  "publisher": "P", "published_on": "", "excerpt": "E",
                                  "stance": "supports", "reliability": "B", "credibility": "2"}),
    ],
)  # fmt: skip
def test_an_import_checks_each_field_as_the_form_does(
    form_class: type[Form], rules: dict[str, Rule], row: dict[str, str]
) -> None:
    rows = []
    for name in row:
        missing = {key: value for key, value in row.items() if key != name}
        # Each value twice: the second time, the checks may answer from what they remember.
        for values in [missing] + [row | {name: value} for value in EDGE_VALUES * 2]:
            form = form_class(MultiDict(values))
            form.validate()
            assert check_fields(rules, values) == (form.data, form.errors), (name, values.get(name))
            rows.append(values)
    # A whole file's rows at once, a column at a time, get the same data and messages.
    columns, errors = check_columns(rules, rows)
    for index, values in enumerate(rows):
        checked = ({name: column[index] for name, column in columns.items()}, errors.get(index, {}))
        assert checked == check_fields(rules, values), values


def test_one_of_a_kind_is_counted_in_the_singular(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "updates.csv", [csv_row("a", SLUG)])
    dry = runner.invoke(args=["import", str(path), "--dry-run"])
    assert dry.stdout == (
        f"Dry run: {path} has no error; it would add 1 status update; "
        "1 author account created, disabled. Nothing was changed.\n"
    )
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Imported {path}: 1 status update; 1 author account created, disabled.\n" == (
        result.stdout
    )
    again = runner.invoke(args=["import", str(path)])
    assert again.stdout == f"Imported {path}: nothing new; 1 status update already present.\n"
    refused = write_csv(tmp_path / "refused.csv", [csv_row("b", "no-such-recommendation")])
    assert (
        f"{refused}: 1 error; nothing was imported."
        in runner.invoke(args=["import", str(refused)]).stderr
    )


def test_the_import_summary_writes_each_noun_in_the_singular_for_one() -> None:
    counts = Counter(
        {
            "criteria versions added": 1,
            "approvals added": 2,
            "signpost observations added": 1,
            "status updates already present": 1,
            "blind reviews whose assessments the file withheld": 1,
            "author accounts created, disabled": 1,
            "signpost observations retracted": 3,
            "comments already present": 0,
        }
    )
    assert summary(counts) == (
        "1 criterion version, 2 approvals, 1 signpost observation; "
        "1 status update already present; 1 blind review whose assessments the file withheld; "
        "1 author account created, disabled; 3 signpost observations retracted"
    )
    assert summary(Counter({"forecasts already present": 1})) == (
        "nothing new; 1 forecast already present"
    )
    for plural, singular in NOUNS.items():
        assert summary(Counter({f"{plural} added": 1})) == f"1 {singular}"
        assert summary(Counter({f"{plural} added": 1_000})) == f"1,000 {plural}"
        assert summary(Counter({f"{plural} already present": 1})) == (
            f"nothing new; 1 {singular} already present"
        )


def test_a_dry_run_reports_and_changes_nothing(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "updates.csv", [csv_row("a", SLUG), csv_row("b", SLUG)])
    result = runner.invoke(args=["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "it would add 2 status updates" in result.stdout
    assert count(db, StatusUpdate) == 0 and count(db, User) == 0


def record_history(db: Session, make_user: Callable[..., User]) -> None:
    """Updates of every kind an export must carry: corrected, retracted, approved for the
    public (the second logged), formula-like text."""
    analyst = make_user(Role.ANALYST, name="Nadia Analyst")
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    add_updates(db, analyst, SLUG, 3)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    update = record_status_update(
        db, recommendation, author=analyst, status=Status.CONTRADICTED, as_of=dt.date(2021, 5, 1),
        assessment="=HYPERLINK(\"https://evil.example\") and -2 more",
        change_reason="-The strike reversed it.",
        confidence=Confidence.LOW,
        evidence=[
            EvidenceInput("https://a.example.org/1", "+First", "@Pub", "Quoted “words”.",
                          Stance.SUPPORTS, Reliability.A, Credibility.CONFIRMED,
                          dt.date(2021, 4, 30)),
            EvidenceInput("https://a.example.org/2", "'Second", "Pub", "Tabbed.",
                          Stance.CONTRADICTS, Reliability.F, Credibility.UNKNOWN),
        ],
    )  # fmt: skip
    correct_status_update(
        db, update, editor=editor, status=Status.STALLED, as_of=dt.date(2021, 5, 2),
        assessment="-1 step: stalled, on reflection.", confidence=Confidence.HIGH,
        reason="Misread.",
    )  # fmt: skip
    first = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id)).first()
    retract_status_update(db, first, editor=editor, reason="Wrong recommendation.")
    second = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id)).all()[1]
    approve_status_update(db, second, editor=editor)
    db.commit()


def test_export_import_export_is_identical(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    record_history(db, make_user)
    first, result = round_trip(app, runner, db, tmp_path)
    second = runner.invoke(args=["export"])

    assert second.exit_code == 0
    assert second.stdout == first.read_text(encoding="utf-8")
    exported = json.loads(second.stdout)
    assert len(exported["updates"]) == 4 and len(exported["sources"]) == 1
    assert [u["retracted"]["reason"] for u in exported["updates"] if u["retracted"]] == [
        "Wrong recommendation."
    ]
    [approved] = [u for u in exported["updates"] if u["approved"]]
    assert approved["assessment"] == "Development 1."
    assert approved["approved"]["by"] == db.scalars(select(User.email).where(
        User.role == Role.EDITOR)).one()  # fmt: skip
    assert "1 source, " in result.stdout  # one of each in the singular, more in the plural
    assert "4 status updates, 1 approval; 2 author accounts created, disabled." in result.stdout
    again = runner.invoke(args=["import", str(first)])
    assert "nothing new" in again.stdout


def test_an_imported_approval_reaches_the_public_and_is_audited(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    record_history(db, make_user)
    db.execute(text("UPDATE source SET published = :yes"), {"yes": True})
    db.commit()
    first, _result = round_trip(app, runner, db, tmp_path)
    assert runner.invoke(args=["export"]).stdout == first.read_text(encoding="utf-8")

    db.rollback()  # see what the command committed
    updates = db.scalars(select(StatusUpdate).order_by(StatusUpdate.created_at)).all()
    approved = [update for update in updates if update.approved_at is not None]
    [update] = approved
    approver = db.get_one(User, update.approved_by_id)
    # The approver's account comes disabled, as an editor: who approves is one.
    assert (approver.name, approver.role, approver.active) == ("Eddie Editor", Role.EDITOR, False)
    [given] = [u["approved"] for u in json.loads(first.read_text())["updates"] if u["approved"]]
    assert update.approved_at.replace(tzinfo=dt.UTC) == dt.datetime.fromisoformat(given["at"])
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.approve")).one()
    assert (event.user_id, event.target_id) == (approver.id, update.id)
    assert event.after == {"approved": True, "at": update.approved_at.isoformat()}
    imported = db.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert imported.after["approvals added"] == 1

    app.config["PUBLIC"] = True
    public = app.test_client()
    listed = public.get(f"/api/v1/recommendations/{SLUG}/updates").json["items"]
    assert [item["id"] for item in listed] == [update.id]
    page = public.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    unapproved = [u for u in updates if u.approved_at is None and u.retracted_at is None]
    assert f'id="update-{update.id}"' in page
    assert unapproved and not [u for u in unapproved if f'id="update-{u.id}"' in page]


def approval_document(approved: object, author: str = "ana@example.org") -> dict[str, object]:
    """A file of one update approved as given, by the people of `authors`."""
    return {
        "format": "tracker-export",
        "version": 1,
        "authors": [{"email": "ed@example.org", "name": "Ed"},
                    {"email": "ana@example.org", "name": "Ana"}],
        "updates": [
            {"key": "x1", "recommendation": SLUG, "author": author,
             "logged_at": "2024-01-02T09:00:00+00:00", "status": "in_progress",
             "as_of": "2024-01-01", "confidence": "moderate", "assessment": "Talks.",
             "approved": approved,
             "evidence": [{"url": "https://example.org/x", "title": "T", "publisher": "P",
                           "excerpt": "E", "stance": "supports", "reliability": "A",
                           "credibility": "2"}]},
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("approved", "author", "error"),
    [
        ({"at": "2024-01-03T09:00:00+00:00", "by": "nobody@example.org"}, "ana@example.org",
         "$.updates[0].approved.by: No account nor entry of authors[] has the address "
         "nobody@example.org."),
        ({"at": "2024-01-03T09:00:00+00:00", "by": "ed@example.org"}, "ed@example.org",
         "$.updates[0].approved.by: An update is approved by an editor other than its author."),
        ({"at": "yesterday", "by": "ed@example.org"}, "ana@example.org",
         "$.updates[0].approved.at: Expected a time, YYYY-MM-DDTHH:MM:SS+00:00."),
        ({"at": "2024-01-01T09:00:00+00:00", "by": "ed@example.org"}, "ana@example.org",
         "$.updates[0].approved.at: An approval is given after the update is logged, and not "
         "in the future."),
        ({"at": "2024-01-03T09:00:00+00:00", "by": "viewer@example.org"}, "ana@example.org",
         "$.updates[0].approved.by: viewer@example.org is not an editor or admin here."),
        ("yes", "ana@example.org", "$.updates[0].approved: Expected an object or null."),
    ],
)  # fmt: skip
def test_a_bad_approval_is_refused_with_its_path(
    runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path,
    approved: object, author: str, error: str,
) -> None:  # fmt: skip
    make_user(Role.VIEWER, email="viewer@example.org")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(approval_document(approved, author)))
    before = count(db, StatusUpdate), count(db, User), count(db, AuditEvent)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        f"{path}: 1 error; nothing was imported.",
        f"  {error}",
    ]
    assert (count(db, StatusUpdate), count(db, User), count(db, AuditEvent)) == before


def test_a_stored_update_keeps_its_approval_and_a_differing_one_is_named(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    path = tmp_path / "unapproved.json"
    path.write_text(json.dumps(approval_document(None)))
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    approval = {"at": "2024-01-03T09:00:00+00:00", "by": "ed@example.org"}
    changed = tmp_path / "approved.json"
    changed.write_text(json.dumps(approval_document(approval)))
    for options in ([], ["--correct"]):
        result = runner.invoke(args=["import", str(changed), *options])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1] == (
            "  $.updates[0].key: An update with the key “x1” is already stored, and this one "
            "differs in approved. A stored update keeps its own approval: approve it from the "
            "review queue, or give the stored approval in the file."
        )
    assert count(db, StatusUpdate) == 1
    assert db.scalars(select(StatusUpdate)).one().approved_at is None
    # A file that says nothing of approvals (a CSV, an older export) is not held to them.
    document = approval_document(None)
    del document["updates"][0]["approved"]  # type: ignore[index]
    path.write_text(json.dumps(document))
    assert "nothing new" in runner.invoke(args=["import", str(path)]).stdout


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised_and_read_back(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    record_history(db, make_user)
    exported = runner.invoke(args=["export", "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 5  # one per item of evidence
    formula = [row for row in rows if row["evidence_title"] == "'+First"][0]
    assert formula["assessment"] == "'-1 step: stalled, on reflection."
    assert formula["evidence_publisher"] == "'@Pub"
    assert [row["evidence_title"] for row in rows if "Second" in row["evidence_title"]] == [
        "''Second"
    ]
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in rows
        for cell in row.values()
    )

    path = tmp_path / "updates.csv"
    path.write_text(exported, encoding="utf-8")
    db.close()
    empty_database(get_engine(app))
    runner.invoke(args=["init"])
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    titles = set(db.scalars(select(Evidence.title)))
    assert {"+First", "'Second"} <= titles
    assessments = set(db.scalars(select(StatusUpdate.assessment)))
    assert "-1 step: stalled, on reflection." in assessments


def test_the_dashboard_offers_its_filtered_view_as_csv_and_everything_as_json(
    client: FlaskClient, auth: Auth, db: Session, make_user
) -> None:
    analyst = make_user(Role.ANALYST)
    add_updates(db, analyst, SLUG, 2, status=Status.STALLED)
    other = [slug for slug in slugs(db) if slug != SLUG][0]
    add_updates(db, analyst, other, 1)
    auth.login(analyst)

    page = client.get("/?status=stalled").get_data(as_text=True)
    assert 'href="/export/updates.csv?status=stalled"' in page
    assert 'href="/export/tracker.json"' in page

    response = client.get("/export/updates.csv?status=stalled")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["recommendation"], row["status"]) for row in rows] == [(SLUG, "stalled")] * 2

    everything = client.get("/export/tracker.json").json
    assert {update["recommendation"] for update in everything["updates"]} == {SLUG, other}
    assert everything["sources"][0]["slug"] == SOURCE


def test_owners_and_cadence_travel_through_export_and_import(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    owner = make_user(Role.ANALYST, email="owner@example.org", name="Olive Owner")
    co_owner = make_user(Role.EDITOR, email="co@example.org", name="Cody Co")
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    recommendation.owner_id = owner.id
    recommendation.review_every_days = 30
    db.execute(
        recommendation_co_owner.insert().values(
            recommendation_id=recommendation.id, user_id=co_owner.id
        )
    )
    db.commit()
    first, _result = round_trip(app, runner, db, tmp_path)
    exported = json.loads(first.read_text(encoding="utf-8"))
    [entry] = [r for r in exported["sources"][0]["recommendations"] if r["slug"] == SLUG]
    assert (entry["owner"], entry["co_owners"], entry["review_every_days"]) == (
        "owner@example.org", ["co@example.org"], 30,
    )  # fmt: skip
    assert {"email": "owner@example.org", "name": "Olive Owner"} in exported["authors"]
    assert runner.invoke(args=["export"]).stdout == first.read_text(encoding="utf-8")
    imported = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    owner = db.get_one(User, imported.owner_id)
    assert (owner.email, owner.name, owner.active) == ("owner@example.org", "Olive Owner", False)
    assert imported.review_every_days == 30
    version = db.scalars(
        select(ContentVersion).where(
            ContentVersion.entity_type == "recommendation", ContentVersion.entity_id == imported.id
        )
    ).one()
    assert version.data["owner"] == "Olive Owner" and version.data["co_owners"] == ["Cody Co"]
    assigned = db.scalars(select(Assignment.co_owner).where(Assignment.user_id == owner.id))
    assert list(assigned) == [False]


def test_an_owner_that_is_no_address_is_refused_with_its_path(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    document = {
        "format": "tracker-export",
        "version": 1,
        "sources": [
            {"slug": "new-source", "kind": "article", "title": "T", "author": "A",
             "publisher": "P", "url": "https://example.org/s", "published_on": "2020-01-01",
             "date_precision": "day", "text": None,
             "recommendations": [
                 {"slug": "new-rec", "title": "T", "summary": "S", "passage": "P",
                  "theme": "sanctions", "actors": ["unami"], "owner": "nobody",
                  "review_every_days": 0},
             ]},
        ],
    }  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        f"{path}: 1 error; nothing was imported.",
        "  $.sources[0].recommendations[0].owner: Expected an email address.",
    ]
    assert db.scalars(select(Recommendation).where(Recommendation.slug == "new-rec")).all() == []


def test_a_stored_key_with_other_content_is_an_error_naming_the_fields(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [csv_row("k1", SLUG), csv_row("k2", SLUG)])
    assert runner.invoke(args=["import", str(first)]).exit_code == 0
    again = runner.invoke(args=["import", str(first)])
    assert again.exit_code == 0
    assert "nothing new; 2 status updates already present" in again.output  # the same content

    changed = write_csv(
        tmp_path / "changed.csv",
        [
            csv_row("k1", SLUG, status="stalled", evidence_url="javascript:alert(1)"),
            csv_row("k2", SLUG, evidence_credibility="5", assessment="Talks resumed (other)."),
        ],
    )
    result = runner.invoke(args=["import", str(changed)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        f"{changed}: 2 errors; nothing was imported.",
        "  line 2, column evidence_url: Use a link that starts with http:// or https://.",
        "  line 3, column key: An update with the key “k2” is already stored, and this one "
        "differs in assessment, evidence[0].credibility. Import with --correct to record it as "
        "a correction of the stored one.",
    ]
    other_author = write_csv(
        tmp_path / "author.csv", [csv_row("k1", SLUG, author_email="other@example.org")]
    )
    result = runner.invoke(args=["import", str(other_author)])
    assert result.exit_code == 1
    assert "differs in author. Give it a key of its own" in result.stderr
    assert count(db, StatusRevision) == 2


def test_with_correct_a_changed_update_becomes_a_correction(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [csv_row("k1", SLUG)])
    assert runner.invoke(args=["import", str(first)]).exit_code == 0
    changed = write_csv(
        tmp_path / "changed.csv",
        [csv_row("k1", SLUG, status="stalled", evidence_url="https://news.example.org/fixed")],
    )
    result = runner.invoke(args=["import", str(changed), "--correct"])
    assert result.exit_code == 0, result.output
    # Counted once, as corrected, not also as already present.
    assert result.stdout == f"Imported {changed}: nothing new; 1 status update corrected.\n"
    update = db.scalars(select(StatusUpdate)).one()
    assert update.status is Status.STALLED and update.revision == 2
    revision = db.scalars(select(StatusRevision).where(StatusRevision.number == 2)).one()
    assert revision.reason == "Corrected by importing changed.csv."
    items = db.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [(i.url, i.withdrawn_in) for i in items] == [
        ("https://news.example.org/k1", 2),
        ("https://news.example.org/fixed", None),
    ]
    again = runner.invoke(args=["import", str(changed), "--correct"])
    assert again.exit_code == 0  # now the same
    assert again.stdout == f"Imported {changed}: nothing new; 1 status update already present.\n"


def test_comments_travel_with_their_revisions_hiding_and_updates(
    app: Flask, runner: FlaskCliRunner, db: Session, make_user, tmp_path: Path
) -> None:
    writer = make_user(Role.ANALYST, email="writer@example.org", name="Wren Writer")
    editor = make_user(Role.EDITOR, email="editor@example.org", name="Eda Editor")
    make_user(Role.ANALYST, email="mentioned@example.org", name="Mo Mentioned")
    add_updates(db, writer, SLUG, 2)
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()
    update = db.scalars(select(StatusUpdate).order_by(StatusUpdate.id)).first()
    first = add_comment(db, recommendation, author=writer, body="Draft, @mo-mentioned")
    edit_comment(db, first, editor=writer, body="Final, @mo-mentioned")
    add_comment(db, recommendation, author=editor, body="On the update", update=update)
    hidden = add_comment(db, recommendation, author=writer, body="Private detail")
    hide_comment(db, hidden, editor=editor, reason="Personal data")
    db.commit()
    exported_file = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(exported_file)]).exit_code == 0
    exported = json.loads(exported_file.read_text(encoding="utf-8"))
    assert len(exported["comments"]) == 3
    [edited] = [c for c in exported["comments"] if len(c["revisions"]) == 2]
    assert [r["body"] for r in edited["revisions"]] == [
        "Draft, @mo-mentioned",
        "Final, @mo-mentioned",
    ]
    [on_update] = [c for c in exported["comments"] if c["update"]]
    assert on_update["update"] in {u["key"] for u in exported["updates"]}
    db.close()
    empty_database(get_engine(app))

    result = runner.invoke(args=["import", str(exported_file)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export"]).stdout == exported_file.read_text(encoding="utf-8")
    # Mentions made then tell nobody now; a second import adds nothing.
    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.scalars(
        select(Comment.hidden_reason).where(Comment.hidden_at.is_not(None))
    ).one() == ("Personal data")
    again = runner.invoke(args=["import", str(exported_file)])
    assert "nothing new" in again.stdout
    assert db.scalar(select(func.count()).select_from(CommentRevision)) == 4


def test_a_comment_on_an_unknown_update_is_refused_with_its_path(
    runner: FlaskCliRunner, db: Session, tmp_path: Path
) -> None:
    document = {
        "comments": [{
            "key": "c-1", "recommendation": SLUG, "update": "no-such-update",
            "author": "someone@example.org", "written_at": "2021-01-01T00:00:00+00:00",
            "revisions": [{"body": "", "at": "2999-01-01T00:00:00+00:00"}], "hidden": None,
        }],
    }  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert (
        "$.comments[0].update: No status update of this recommendation has this key."
        in result.output
    )
    assert "$.comments[0].revisions[0].at: The time cannot be in the future." in result.output
    assert db.scalar(select(func.count()).select_from(Comment)) == 0
