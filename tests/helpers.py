"""Small helpers the tests share: form data as a browser would post it, a served Tracker."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.criteria.operations import add_criterion
from tracker.db import get_engine
from tracker.models import Evidence, Recommendation, StatusRevision, StatusUpdate, User
from tracker.signposts.operations import (
    Observed,
    add_signpost,
    observe_signpost,
    retract_observation,
)
from tracker.status_updates import EvidenceInput, MarkInput, record_status_update
from tracker.vocabulary import (
    Confidence,
    Credibility,
    CriterionKind,
    Diagnosticity,
    Direction,
    Reliability,
    Stance,
    Status,
    Verdict,
)

SLUG = "resume-anti-isis-cooperation"
PASSWORD = "correct horse battery staple"


def evidence_row(index: int, **overrides: Any) -> dict[str, str]:
    row = {
        "url": f"https://news.example.org/story-{index}",
        "title": f"Story {index}",
        "publisher": "Example News",
        "published_on": "2021-10-01",
        "excerpt": f"Excerpt number {index}.",
        "stance": "supports",
        "reliability": "B",
        "credibility": "2",
    }
    row.update(overrides)
    return {f"evidence-{index}-{key}": value for key, value in row.items()}


def update_form(*rows: dict[str, str], **fields: str) -> dict[str, str]:
    """Fields of the status update form with the evidence `rows`; one default row if none."""
    data = {
        "status": "in_progress",
        "as_of": "2021-10-10",
        "assessment": "Talks **resumed** in October.",
        "confidence": "moderate",
        "save": "Log status update",
    }
    data.update(fields)
    for row in rows or (evidence_row(0),):
        data.update(row)
    return data


def cited_evidence(session: Session, update_id: int) -> dict[str, str]:
    """The evidence rows of the correction form of an update, as the form fills them in."""
    session.rollback()  # see what requests committed
    rows: dict[str, str] = {}
    items = session.scalars(
        select(Evidence)
        .where(Evidence.update_id == update_id, Evidence.withdrawn_in.is_(None))
        .order_by(Evidence.position)
    )
    for number, item in enumerate(items):
        rows |= evidence_row(
            number,
            evidence_id=str(item.id),
            url=item.url,
            title=item.title,
            publisher=item.publisher,
            published_on=item.published_on.isoformat() if item.published_on else "",
            excerpt=item.excerpt,
            stance=item.stance.value,
            reliability=item.reliability.value,
            credibility=item.credibility.value,
        )
    return rows


def add_updates(
    db: Session,
    author: User,
    slug: str,
    count: int,
    *,
    status: Status = Status.IN_PROGRESS,
    start: dt.date = dt.date(2020, 2, 1),
    change_reason: str | None = None,
) -> None:
    """Record `count` updates a day apart through the service, as the form would."""
    recommendation = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()
    for day in range(count):
        record_status_update(
            db,
            recommendation,
            author=author,
            status=status,
            as_of=start + dt.timedelta(days=day),
            assessment=f"Development {day}.",
            confidence=Confidence.MODERATE,
            evidence=[
                EvidenceInput(
                    url=f"https://news.example.org/{slug}/{day}",
                    title=f"Report {day}",
                    publisher="Example News",
                    excerpt="Quoted words.",
                    stance=Stance.SUPPORTS,
                    reliability=Reliability.B,
                    credibility=Credibility.PROBABLE,
                )
            ],
            change_reason=change_reason,
        )
    db.commit()


def squash(html: str) -> str:
    """Fold runs of white space, so that assertions need not know the templates' indentation."""
    return re.sub(r"\s+", " ", html)


class _FormReader(HTMLParser):
    """Collect what a browser would submit from the forms of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._option: dict[str, str | None] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def add(self, name: str | None, value: str) -> None:
        if name:
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a.get("name"), a.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset"):
                self.add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.add(self._select, a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.add(self._textarea, "".join(self._text).removeprefix("\r\n").removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_fields(page: str) -> dict[str, str | list[str]]:
    """Read a page's form fields as a browser would submit them unchanged."""
    reader = _FormReader()
    reader.feed(page)
    return {
        name: values[0] if len(values) == 1 else values for name, values in reader.fields.items()
    }


# Tracker served for real: `tracker serve` in a subprocess on 127.0.0.1, and a client for it.

TRACKER = Path(sys.executable).with_name("tracker")
WRITER_EMAIL = "writer@example.org"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracker_environment(database_url: str, **variables: str) -> dict[str, str]:
    """The environment of a `tracker` process on `database_url`, with `variables` added."""
    environment = {name: value for name, value in os.environ.items() if "TRACKER_" not in name}
    environment.update(
        TRACKER_DATABASE_URL=database_url,
        TRACKER_SECRET_KEY="served test secret key",
        # Every test thread logs in from 127.0.0.1 with the same account.
        TRACKER_LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
        TRACKER_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
    )
    environment.update(variables)
    return environment


def prepare_served_database(database_url: str) -> None:
    """Run `tracker init` and create the analyst the clients log in as (in this process)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url})
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output or repr(result.exception)
        result = runner.invoke(
            args=["users", "create", WRITER_EMAIL, "--role", "analyst", "--password-stdin"],
            input=PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output or repr(result.exception)
    finally:
        get_engine(app).dispose()


class ServedTracker:
    """`tracker serve` in a subprocess, its output in a log file."""

    def __init__(self, environment: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.terminated = False
        self._log = open(log_path, "w")  # noqa: SIM115  (closed by stop)
        self.process = subprocess.Popen(
            [str(TRACKER), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=environment, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_until_answering(self, deadline: float = 60) -> None:
        """Wait until the server answers HTTP at all, or fail with its log if it died."""
        give_up = time.monotonic() + deadline
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                status = self.process.returncode
                raise AssertionError(f"tracker serve exited with {status}:\n{self.log()}")
            try:
                Browser(self.port).get("/healthz")
            except OSError:
                time.sleep(0.1)
            else:
                return
        raise AssertionError(f"tracker serve did not answer on port {self.port}:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        """The pids of gunicorn's workers: the children of the master process."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The command name in brackets may hold spaces; the parent pid follows it.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def terminate(self) -> None:
        """Ask gunicorn to stop gracefully (SIGTERM), as a service manager would, once.

        A second SIGTERM could land while Python exits, after its handlers are gone.
        """
        if not self.terminated and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def stop(self) -> int:
        """Stop gracefully and wait for the end; return the exit status."""
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def served(environment: dict[str, str], log_path: Path) -> Iterator[ServedTracker]:
    """Serve Tracker for the duration of the block, and stop it however the block ends."""
    server = ServedTracker(environment, log_path)
    try:
        server.wait_until_answering()
        yield server
    finally:
        server.stop()


@dataclass
class Reply:
    status: int
    location: str | None
    body: str


@dataclass
class Browser:
    """What a browser does over HTTP: keep cookies; report redirects rather than follow them."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None, *,
        port: int | None = None, headers: dict[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
            body = None
            if fields is not None:
                body = urllib.parse.urlencode(fields, doseq=True)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Reply(response.status, response.getheader("Location"), text)
        finally:
            connection.close()

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, fields: dict[str, str], **options: Any) -> Reply:
        return self.request("POST", path, fields, **options)

    def log_in(self, email: str = WRITER_EMAIL, password: str = PASSWORD) -> None:
        page = self.get("/login")
        reply = self.post(
            "/login", {"csrf_token": csrf_token(page.body), "email": email, "password": password}
        )
        assert reply.status == 302, f"login answered {reply.status}: {squash(reply.body)[:500]}"

    def log_update(
        self, assessment: str, *, form_port: int | None = None, port: int | None = None
    ) -> tuple[Reply, bool]:
        """Log a status update through the real form; say whether the form was posted."""
        path = f"/recommendations/{SLUG}/updates/new"
        form = self.get(path, port=form_port)
        if form.status != 200:
            return form, False
        fields = update_form(assessment=assessment)
        fields["csrf_token"] = csrf_token(form.body)
        return self.post(path, fields, port=port), True


def csrf_token(page: str) -> str:
    """The page's CSRF token (the log-out form in the header carries the same one)."""
    token = form_fields(page)["csrf_token"]
    return token[0] if isinstance(token, list) else token


def broken_updates(session: Session) -> dict[str, int]:
    """Count halves of writes: updates without evidence or revision, evidence without update."""
    has_evidence = select(Evidence.id).where(Evidence.update_id == StatusUpdate.id).exists()
    has_revision = select(StatusRevision.id).where(StatusRevision.update_id == StatusUpdate.id)
    has_update = select(StatusUpdate.id).where(StatusUpdate.id == Evidence.update_id).exists()

    def count(model: type, condition: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(condition)) or 0

    return {
        "updates without evidence": count(StatusUpdate, ~has_evidence),
        "updates without revision": count(StatusUpdate, ~has_revision.exists()),
        "evidence without update": count(Evidence, ~has_update),
    }


def add_criteria_and_signposts(db: Session, editor: User, analyst: User, slug: str = SLUG) -> None:
    """A completion criterion and a success criterion, an update marking both (the first met,
    so the update can say Implemented), a signpost seen twice, once retracted."""
    rec = db.scalars(select(Recommendation).where(Recommendation.slug == slug)).one()
    at = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
    done = add_criterion(
        db, rec, kind=CriterionKind.COMPLETION, text="Joint operations resume.", by=editor, now=at
    )
    aim = add_criterion(
        db, rec, kind=CriterionKind.SUCCESS, text="Attacks fall.", by=editor, now=at
    )
    record_status_update(
        db, rec, author=analyst, status=Status.IMPLEMENTED, as_of=dt.date(2021, 5, 1),
        assessment="Joint operations resumed.", confidence=Confidence.HIGH,
        evidence=[
            EvidenceInput(
                url="https://news.example.org/joint", title="Joint operations",
                publisher="Example News", excerpt="They resumed.", stance=Stance.SUPPORTS,
                reliability=Reliability.B, credibility=Credibility.PROBABLE,
            )
        ],
        marks=[MarkInput(done.id, Verdict.MET, "Patrols resumed."),
               MarkInput(aim.id, Verdict.UNCLEAR)],
        change_reason="Joint operations resumed at once.",
    )  # fmt: skip
    signpost = add_signpost(
        db, rec, event="UNAMI convenes talks.", direction=Direction.TOWARDS,
        diagnosticity=Diagnosticity.MODERATE, by=editor, now=at,
    )  # fmt: skip
    seen = {
        "note": "Talks began.", "url": "https://news.example.org/talks", "title": "Talks",
        "publisher": "Example News", "reliability": Reliability.C,
        "credibility": Credibility.POSSIBLE,
    }  # fmt: skip
    wrong = observe_signpost(
        db, signpost, Observed(observed_on=dt.date(2021, 3, 1), **seen), by=analyst,
        now=dt.datetime(2021, 3, 2, tzinfo=dt.UTC),
    )  # fmt: skip
    retract_observation(
        db, wrong, by=editor, reason="A rehearsal.", now=dt.datetime(2021, 3, 3, tzinfo=dt.UTC)
    )
    observe_signpost(
        db, signpost, Observed(observed_on=dt.date(2021, 3, 10), **seen), by=analyst,
        now=dt.datetime(2021, 3, 11, tzinfo=dt.UTC),
    )  # fmt: skip
    db.commit()
