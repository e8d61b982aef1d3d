"""A recommendation's timeline entries, drawn in Python: one update or review at a time.

A page shows up to 50 updates, each with its badge, dates, revisions and evidence; written as
Jinja, each costs dozens of filter and translation calls. Here the page's words are read from
the catalogue once, each date and label is formatted once, each link's address is built once
(`item_links`), and every value is escaped as Jinja would. The markup is the template's that
it replaced (templates/recommendations/show.html draws what follows an update's evidence: its
comments).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..audience import audience, shown_name
from ..drawing import status_badge
from ..i18n import catalogue
from ..i18n import markup_pattern as _
from ..models import CriterionMark, Review
from ..templating import date_tag, datetime_tag, render_markdown
from ..timelines import RevisionEntry, TimelineUpdate
from ..views import item_links
from ..vocabulary import Labelled, RevisionKind, Status

NOFOLLOW = 'rel="noopener noreferrer nofollow"'


class TimelineDrawing:
    """Draw the entries of one recommendation's timeline, as one reader sees them."""

    def __init__(
        self,
        slug: str,
        *,
        reader_id: int | None,
        editor: bool,
        now: bool,
        reviewing: bool,
        approve_token: Markup | None,
        consensus_of: Mapping[int, Any],
        marks: Mapping[int, list[CriterionMark]],
    ) -> None:
        self.slug = slug
        self.reader_id = reader_id
        self.editor = editor
        self.now = now
        self.reviewing = reviewing and not audience().public
        self.approve_token = approve_token
        self.consensus_of = consensus_of
        self.marks = marks
        self.correct_link = item_links("recommendations.correct_update", "update_id", slug=slug)
        self.retract_link = item_links("recommendations.retract_update", "update_id", slug=slug)
        self.approve_link = item_links("publishing.approve", "update_id")
        self.page_link = url_for("recommendations.show", slug=slug)
        # Read once a page: each is a catalogue's or a locale's look-up.
        self.date: Callable[[Any], Markup] = functools.cache(date_tag)
        self.moment: Callable[[Any], Markup] = functools.cache(datetime_tag)
        self.label: Callable[[Labelled], str] = functools.cache(lambda term: term.label)
        self.badge: Callable[[Status], Markup] = functools.cache(status_badge)
        self.words = {
            "rechecked": _("Re-checked, no change"),
            "on": _("on %(day)s"),
            "review_by": _("by %(name)s · logged %(moment)s · the status stays as it was"),
            "review_logged": _("logged %(moment)s · the status stays as it was"),
            "evidence_link": _("Evidence:"),
            "as_of": _("as of %(day)s"),
            "retracted": _("Retracted"),
            "corrected": _("Corrected"),
            "retracted_by": _(
                "Retracted by %(name)s on %(day)s: %(reason)s. It no longer counts for the "
                "current status."
            ),
            "retracted_on": _(
                "Retracted on %(day)s: %(reason)s. It no longer counts for the current status."
            ),
            "meta_by": _("Confidence: %(confidence)s · by %(name)s · logged %(moment)s"),
            "meta": _("Confidence: %(confidence)s · logged %(moment)s"),
            "corrected_at": _("corrected %(moment)s"),
            "approved": _("Approved"),
            "approved_by": _("by %(name)s on %(day)s"),
            "awaiting": _("Awaiting review"),
            "not_shown": _("not shown to the public yet"),
            "approve": _("Approve for the public"),
            "consensus": _("Consensus"),
            "of": _("of"),
            "blind_review": _("blind review %(number)s"),
            "why": _("Why did this change?"),
            "why_criteria": _("Why Implemented despite its criteria?"),
            "criterion": _("%(kind)s criterion #%(number)s"),
            "all_revisions": _("All %(number)s revisions"),
            "revision": _("Revision %(number)s: %(kind)s"),
            "revised_by": _("by %(name)s, %(moment)s"),
            "revision_as_of": _("as of %(day)s · confidence %(confidence)s"),
            "cited": _("Evidence cited:"),
            "added": _("Added"),
            "correct": _("Correct"),
            "retract": _("Retract"),
            "evidence": _("Evidence"),
        }

    def review(self, review: Review) -> Markup:
        """A "re-checked, no change", as a whole item of the timeline."""
        w = self.words
        name = shown_name(review.reviewer)
        logged = self.moment(review.created_at)
        meta = (
            w["review_by"] % {"name": name, "moment": logged}
            if name
            else w["review_logged"] % {"moment": logged}
        )
        out = [
            f'\n        <li class="update review" id="review-{review.id}">\n'
            f'          <h3><span class="badge mark-review">{w["rechecked"]}</span> '
            f"{w['on'] % {'day': self.date(review.checked_on)}}</h3>\n"
            f'          <p class="meta">{meta}</p>\n          '
        ]
        if review.note:
            out.append(f'<div class="assessment">{render_markdown(review.note)}</div>')
        out.append("\n          ")
        if review.evidence_url:
            out.append(
                f'<p>{w["evidence_link"]} <a href="{escape(review.evidence_url)}" {NOFOLLOW}>'
                f"{escape(review.evidence_title)}</a></p>"
            )
        out.append("\n        </li>\n        ")
        return Markup("".join(out))

    def update(self, update: TimelineUpdate, shown: RevisionEntry) -> Markup:
        """An update's item of the timeline, opened, up to its evidence: the page adds its
        comments and closes it."""
        w, date, moment, label = self.words, self.date, self.moment, self.label
        retracted = shown.kind is RevisionKind.RETRACTION
        classes = "update retracted" if retracted else "update"
        as_of = w["as_of"] % {"day": date(shown.as_of)}
        out = [
            f'\n        <li class="{classes}" id="update-{update.id}">'
            f"\n          <h3>{self.badge(shown.status)} {as_of}\n            "
        ]
        if retracted:
            out.append(f'<span class="badge mark-retracted">{w["retracted"]}</span>')
        elif shown.number > 1:
            out.append(f'<span class="badge mark-corrected">{w["corrected"]}</span>')
        out.append("</h3>\n          ")
        if retracted:
            by = shown_name(shown.author)
            values = {"day": date(shown.created_at), "reason": shown.reason}
            note = w["retracted_by"] % (values | {"name": by}) if by else w["retracted_on"] % values
            out.append(f'\n            <p class="retraction-note">{note}</p>\n          ')
        author = shown_name(update.author)
        values = {"confidence": label(shown.confidence), "moment": moment(update.created_at)}
        meta = w["meta_by"] % (values | {"name": author}) if author else w["meta"] % values
        out.append(f'\n          <p class="meta">{meta}\n            ')
        if shown.number > 1 and not retracted:
            out.append(f"· {w['corrected_at'] % {'moment': moment(shown.created_at)}}")
        out.append("</p>\n          ")
        if self.reviewing:
            out.append(self.review_state(update, retracted))
        out.append(
            f'\n          <div class="assessment">{render_markdown(shown.assessment)}</div>\n'
            "          "
        )
        if update.id in self.consensus_of:
            out.append(self.consensus(self.consensus_of[update.id]))
        out.append("\n          ")
        if update.change_reason:
            out.append(
                f'\n            <p class="change-reason"><strong>{w["why"]}</strong> '
                f"{escape(update.change_reason)}</p>\n          "
            )
        out.append("\n          ")
        if update.criteria_reason:
            out.append(
                '\n            <p class="change-reason criteria-reason"><strong>'
                f"{w['why_criteria']}</strong> {escape(update.criteria_reason)}</p>\n          "
            )
        out.append("\n          ")
        if marks := self.marks.get(update.id):
            out.append('\n            <ul class="marks">\n              ')
            for mark in marks:
                criterion = w["criterion"] % {
                    "kind": label(mark.criterion.kind),
                    "number": mark.criterion.number,
                }
                note = f": {render_markdown(mark.note)}" if mark.note else ""
                out.append(
                    f'\n                <li><span class="badge verdict verdict-'
                    f'{escape(mark.verdict.value)}">{escape(label(mark.verdict))}</span>\n'
                    f"                  {criterion}{note}</li>\n              "
                )
            out.append("\n            </ul>\n          ")
        out.append("\n          \n          ")
        known = update.revisions[: shown.number]
        if len(known) > 1:
            out.append(self.revisions(update, known))
        out.append("\n          ")
        if self.now and not retracted:
            out.append('\n            <p class="actions">\n              ')
            if self.reader_id == update.author_id or self.editor:
                out.append(
                    f'\n                <a href="{escape(self.correct_link(update.id))}">'
                    f"{w['correct']}</a>\n              "
                )
            out.append("\n              ")
            if self.editor:
                out.append(
                    f'\n                <a href="{escape(self.retract_link(update.id))}">'
                    f"{w['retract']}</a>\n              "
                )
            out.append("\n            </p>\n          ")
        out.append(f'\n          <h4>{w["evidence"]}</h4>\n          <ul class="evidence">\n')
        for item in update.evidence_in(shown.number):
            published = f", {date(item.published_on)}" if item.published_on else ""
            out.append(
                f'\n              <li class="stance-{escape(item.stance.value)}">\n'
                f'                <span class="grade" title="{escape(label(item.reliability))}; '
                f'{escape(label(item.credibility))}">{escape(item.grade)}</span>\n'
                f'                <span class="stance">{escape(label(item.stance))}</span>:\n'
                f'                <a href="{escape(item.url)}" {NOFOLLOW}>'
                f"{escape(item.title)}</a>,\n"
                f"                {escape(item.publisher)}{published}\n"
                f'                <div class="excerpt">{render_markdown(item.excerpt)}</div>\n'
                "              </li>\n            "
            )
        out.append("\n          </ul>\n          ")
        return Markup("".join(out))

    def review_state(self, update: TimelineUpdate, retracted: bool) -> str:
        """Whether the public sees the update yet, and the editor's button to let them."""
        w = self.words
        out = [f'\n            <p class="review-state" id="review-{update.id}">\n              ']
        if update.approved_at and update.approved_by:
            when = {"name": update.approved_by.name, "day": self.date(update.approved_at)}
            out.append(
                f'<span class="badge approved">{w["approved"]}</span> {w["approved_by"] % when}'
                "\n              "
            )
        else:
            out.append(
                f'<span class="badge awaiting">{w["awaiting"]}</span> {w["not_shown"]}'
                "\n                "
            )
            if self.editor and self.reader_id != update.author_id and not retracted:
                out.append(
                    '\n                  <form class="inline" method="post" action="'
                    f'{escape(self.approve_link(update.id))}">\n'
                    f"                    {self.approve_token or ''}\n"
                    '                    <input type="hidden" name="next" value="'
                    f'{escape(self.page_link)}#update-{update.id}">\n'
                    f'                    <button type="submit">{w["approve"]}</button>\n'
                    "                  </form>\n                "
                )
            out.append("\n              ")
        out.append("</p>\n          ")
        return "".join(out)

    def consensus(self, settled: Any) -> str:
        """The blind review an update settles, as its consensus."""
        w = self.words
        review = settled.review
        link = url_for("assessments.show", slug=self.slug, review_id=review.id)
        count = len(settled.assessments)
        settles = Markup(
            catalogue().ungettext(
                "it settles %(num)s independent assessment.",
                "it settles %(num)s independent assessments.",
                count,
            )
        ) % {"num": count}
        named = w["blind_review"] % {"number": review.number}
        return (
            f'\n            <p class="consensus-of"><span class="badge mark-consensus">'
            f"{w['consensus']}</span> {w['of']}\n"
            f'              <a href="{escape(link)}">{named}</a>:\n              {settles}</p>'
            "\n          "
        )

    def revisions(self, update: TimelineUpdate, known: list[RevisionEntry]) -> str:
        """Every revision shown, newest first, each with the evidence it cited."""
        w, date, moment, label = self.words, self.date, self.moment, self.label
        out = [
            '\n            <details class="revisions">\n'
            f"              <summary>{w['all_revisions'] % {'number': len(known)}}</summary>\n"
            "              <ol>\n                "
        ]
        for revision in reversed(known):
            name = shown_name(revision.author)
            by = (
                w["revised_by"] % {"name": name, "moment": moment(revision.created_at)}
                if name
                else moment(revision.created_at)
            )
            heading = w["revision"] % {"number": revision.number, "kind": label(revision.kind)}
            reason = f": “{escape(revision.reason)}”" if revision.reason else ""
            out.append(
                f"\n                  <li>\n                    <p><strong>{heading}</strong> {by}"
                f"\n                      {reason}</p>\n                    "
            )
            if revision.kind is not RevisionKind.RETRACTION:
                values = {"day": date(revision.as_of), "confidence": label(revision.confidence)}
                out.append(
                    f"\n                      <p>{self.badge(revision.status)} "
                    f"{w['revision_as_of'] % values}</p>\n"
                    f'                      <div class="assessment">'
                    f"{render_markdown(revision.assessment)}</div>\n"
                    f'                      <p class="muted">{w["cited"]}</p>\n'
                    '                      <ul class="evidence revision-evidence">\n'
                    "                        "
                )
                for item in update.evidence_in(revision.number):
                    added = (
                        f'<span class="badge">{w["added"]}</span>'
                        if item.added_in == revision.number and revision.number > 1
                        else ""
                    )
                    out.append(
                        f'\n                          <li><span class="grade" title="'
                        f'{escape(label(item.reliability))}; {escape(label(item.credibility))}">'
                        f"{escape(item.grade)}</span>\n"
                        f"                            {escape(label(item.stance))}: "
                        f'<a href="{escape(item.url)}" {NOFOLLOW}>{escape(item.title)}</a>, '
                        f"{escape(item.publisher)}\n                            {added}</li>"
                        "\n                        "
                    )
                out.append("\n                      </ul>\n                    ")
            out.append("\n                  </li>\n                ")
        out.append("\n              </ol>\n            </details>\n          ")
        return "".join(out)
