"""Corrections and retractions: new revisions that keep the old ones visible."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, Evidence, StatusRevision, StatusUpdate
from tracker.vocabulary import Role

from .helpers import SLUG, evidence_row, squash, update_form

URL = f"/recommendations/{SLUG}"


def log_update(client: FlaskClient, **fields: str) -> int:
    client.post(f"{URL}/updates/new", data=update_form(**fields))
    return (
        client.application.extensions["tracker.db"]()
        .scalars(select(StatusUpdate.id).order_by(StatusUpdate.id.desc()))
        .first()
    )


def evidence_ids(client: FlaskClient, update_id: int) -> list[int]:
    return list(
        client.application.extensions["tracker.db"]().scalars(
            select(Evidence.id)
            .where(Evidence.update_id == update_id, Evidence.withdrawn_in.is_(None))
            .order_by(Evidence.position)
        )
    )


def correction(client: FlaskClient, update_id: int, **fields: str) -> dict[str, str]:
    """The correction form as posted: a new judgement, the evidence as `update_form` logs it."""
    (evidence_id,) = evidence_ids(client, update_id)
    return (
        {
            "status": "partially_implemented",
            "as_of": "2021-10-10",
            "assessment": "Talks resumed, but only in part.",
            "confidence": "high",
            "reason": "The first report overstated it.",
        }
        | evidence_row(0, evidence_id=str(evidence_id))
        | fields
    )


def test_author_corrects_and_the_earlier_revision_stays(
    client: FlaskClient, db: Session, analyst
) -> None:
    update_id = log_update(client)
    form = client.get(f"{URL}/updates/{update_id}/correct").get_data(as_text=True)
    assert "Talks **resumed** in October." in form  # prefilled with the current text
    response = client.post(
        f"{URL}/updates/{update_id}/correct",
        data=correction(client, update_id),
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert "Correction saved" in page
    assert 'Current status: <span class="badge status-partially_implemented">' in page
    assert "mark-corrected" in page
    assert "All 2 revisions" in page
    assert "Talks <strong>resumed</strong> in October." in page  # revision 1, still shown
    assert "The first report overstated it." in page
    revisions = db.scalars(select(StatusRevision).order_by(StatusRevision.number)).all()
    assert [(r.number, r.kind.value, r.status.value) for r in revisions] == [
        (1, "original", "in_progress"),
        (2, "correction", "partially_implemented"),
    ]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.correct")).one()
    assert event.user_id == analyst.id
    assert (
        event.before["status"] == "in_progress" and event.after["status"] == "partially_implemented"
    )


def test_correction_needs_a_reason_and_a_change(client: FlaskClient, db: Session, analyst) -> None:
    update_id = log_update(client)
    page = client.post(
        f"{URL}/updates/{update_id}/correct", data=correction(client, update_id, reason="")
    ).get_data(as_text=True)
    assert "Say what was wrong." in page
    same = correction(
        client,
        update_id,
        status="in_progress",
        assessment="Talks **resumed** in October.",
        confidence="moderate",
    )
    page = client.post(f"{URL}/updates/{update_id}/correct", data=same).get_data(as_text=True)
    assert "The correction changes nothing." in page
    assert len(db.scalars(select(StatusRevision)).all()) == 1


def test_another_analyst_cannot_correct_but_an_editor_can(
    client: FlaskClient, db: Session, analyst, make_user, auth
) -> None:
    update_id = log_update(client)
    auth.logout()
    auth.login(make_user(Role.ANALYST))
    assert client.get(f"{URL}/updates/{update_id}/correct").status_code == 403
    assert (
        client.post(
            f"{URL}/updates/{update_id}/correct", data=correction(client, update_id)
        ).status_code
        == 403
    )
    auth.logout()
    auth.login(make_user(Role.EDITOR))
    assert (
        client.post(
            f"{URL}/updates/{update_id}/correct", data=correction(client, update_id)
        ).status_code
        == 302
    )
    assert db.get(StatusUpdate, update_id).revision == 2


def test_retraction_strikes_through_and_stops_counting(
    client: FlaskClient, db: Session, analyst, make_user, auth
) -> None:
    first = log_update(client, status="in_progress", as_of="2020-03-01")
    second = log_update(client, status="implemented", as_of="2021-03-01")
    assert client.post(f"{URL}/updates/{second}/retract", data={"reason": "x"}).status_code == 403
    auth.logout()
    editor = make_user(Role.EDITOR, name="Eddie Editor")
    auth.login(editor)
    page = client.post(f"{URL}/updates/{second}/retract", data={"reason": ""}).get_data(
        as_text=True
    )
    assert "Say why the update is retracted." in page
    response = client.post(
        f"{URL}/updates/{second}/retract",
        data={"reason": "The source was a hoax"},
        follow_redirects=True,
    )
    page = squash(response.get_data(as_text=True))
    assert f'class="update retracted" id="update-{second}"' in page
    assert "Retracted by Eddie Editor" in page and "The source was a hoax" in page
    assert 'Current status: <span class="badge status-in_progress">' in page
    dashboard = client.get("/?status=implemented").get_data(as_text=True)
    assert f'href="{URL}"' not in dashboard
    # Retracted updates can be neither retracted again nor corrected.
    page = client.post(f"{URL}/updates/{second}/retract", data={"reason": "again"}).get_data(
        as_text=True
    )
    assert "already retracted" in page
    assert db.get(StatusUpdate, first).retracted_at is None
    assert db.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "status_update.retract")
    ).all() == ["status_update.retract"]


def test_update_of_another_recommendation_is_404(client: FlaskClient, analyst) -> None:
    update_id = log_update(client)
    other = "/recommendations/respect-iraqi-neutrality"
    assert client.get(f"{other}/updates/{update_id}/correct").status_code == 404


def test_a_correction_fixes_adds_and_withdraws_evidence_and_keeps_each_revision(
    client: FlaskClient, db: Session, analyst
) -> None:
    client.post(
        f"{URL}/updates/new",
        data=update_form(
            evidence_row(0, url="https://news.example.org/wrong-link", title="Talks resume"),
            evidence_row(1, title="Rumour of a deal", reliability="E", credibility="5"),
        ),
    )
    update_id = db.scalars(select(StatusUpdate.id)).one()
    first, second = evidence_ids(client, update_id)
    form = client.get(f"{URL}/updates/{update_id}/correct").get_data(as_text=True)
    assert f'name="evidence-0-evidence_id" type="hidden" value="{first}"' in form
    assert 'value="https://news.example.org/wrong-link"' in form  # prefilled, to be fixed

    fixed = evidence_row(
        0,
        evidence_id=str(first),
        url="https://news.example.org/right-link",
        title="Talks resume",
        reliability="A",
        credibility="1",
    )
    added = evidence_row(1, title="Ministry statement", publisher="Ministry of Foreign Affairs")
    # The same judgement; the rumour is left out, so withdrawn.
    data = update_form(fixed, added) | {"reason": "Wrong link; the rumour was not evidence."}
    response = client.post(f"{URL}/updates/{update_id}/correct", data=data, follow_redirects=True)
    page = squash(response.get_data(as_text=True))
    assert "Correction saved" in page

    current = page[page.index(f'id="update-{update_id}"') :]
    cited = current[current.index("<h4>Evidence</h4>") :]
    cited = cited[: cited.index("</ul>")]
    assert "right-link" in cited and ">A1<" in cited and "Ministry statement" in cited
    assert "wrong-link" not in cited and "Rumour of a deal" not in cited
    revisions = current[current.index("All 2 revisions") :]
    revision_1 = revisions[revisions.index("Revision 1:") :]
    assert "wrong-link" in revision_1 and "Rumour of a deal" in revision_1 and ">E5<" in revision_1
    revision_2 = revisions[revisions.index("Revision 2:") : revisions.index("Revision 1:")]
    assert "right-link" in revision_2 and "Rumour of a deal" not in revision_2

    db.rollback()  # read afresh, past the snapshot of the query above
    items = db.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [(i.title, i.added_in, i.withdrawn_in) for i in items] == [
        ("Talks resume", 1, 2),
        ("Rumour of a deal", 1, 2),
        ("Talks resume", 2, None),
        ("Ministry statement", 2, None),
    ]  # nothing is changed in place: revision 1's evidence is all still there
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "status_update.correct")).one()
    assert [e["url"] for e in event.before["evidence"]] == [
        "https://news.example.org/wrong-link",
        "https://news.example.org/story-1",
    ]
    assert event.after["evidence"][0] == {
        "url": "https://news.example.org/right-link",
        "grade": "A1",
    }

    found = client.get("/search?q=rumour").get_data(as_text=True)
    assert "Nothing matches" in found  # withdrawn evidence is not searched
    assert "Ministry statement" in client.get(f"/api/v1/recommendations/{SLUG}/updates").get_data(
        as_text=True
    )


def test_a_correction_cannot_take_another_updates_evidence_or_leave_none(
    client: FlaskClient, db: Session, analyst
) -> None:
    update_id = log_update(client)
    other_id = log_update(client, as_of="2021-11-01")
    (other_item,) = evidence_ids(client, other_id)
    data = correction(client, update_id) | evidence_row(0, evidence_id=str(other_item))
    page = client.post(f"{URL}/updates/{update_id}/correct", data=data).get_data(as_text=True)
    assert "The evidence to correct is not this update&#39;s." in page
    empty = {k: v for k, v in correction(client, update_id).items() if "evidence" not in k}
    page = client.post(f"{URL}/updates/{update_id}/correct", data=empty).get_data(as_text=True)
    assert "<title>Error: " in page  # the one row left blank is refused, beside its fields
    assert len(db.scalars(select(StatusRevision)).all()) == 2
