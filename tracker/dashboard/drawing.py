"""The dashboard's table rows, drawn in Python: a page shows up to 100 of them.

Written as Jinja, a row cost some twenty filter, translation and escaping calls, and the rows
grew to a third of the page at 100 of them. Here the page's words are read from the catalogue
once, each date and number of days is formatted once, each link's address is built once
(`item_links`), and every value is escaped as Jinja would. The markup is the template's that
it replaced (templates/dashboard/index.html draws the table around the rows).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable
from typing import Any

from markupsafe import Markup, escape

from ..i18n import language, local_date
from ..i18n import markup_pattern as _
from ..standings import DashboardRow, Listed
from ..templating import date_tag, days_since, lang_attr, translated
from ..views import item_links
from ..vocabulary import Status


class RowsDrawing:
    """Draw the dashboard's rows, as one reader sees them."""

    def __init__(
        self,
        *,
        to_recommendation: Callable[[str], str],
        to_source: Callable[[str], str],
        status_chip: Callable[[Status], Markup],
        changed: Collection[int],
        with_owner: bool,
        today: dt.date,
    ) -> None:
        self.to_recommendation = to_recommendation
        self.to_source = to_source
        self.to_reviews = item_links("recommendations.show")
        self.status_chip = status_chip
        self.changed = changed
        self.with_owner = with_owner
        self.reader = language()
        # Read once a page: each is a catalogue's or a locale's look-up.
        self.date: Callable[[dt.date], Markup] = functools.cache(date_tag)
        self.local_date: Callable[[dt.date], str] = functools.cache(local_date)
        self.days_since: Callable[[dt.date | None], str] = functools.cache(
            lambda day: days_since(day, today)
        )
        self.words = {
            "recommendation": _("Recommendation"),
            "changed": _("Changed"),
            "theme": _("Theme"),
            "addressed": _("Addressed to"),
            "status": _("Status"),
            "as_of": _("As of"),
            "last": _("Last update"),
            "owner": _("owner %(name)s"),
            "due": _("Due for review"),
            "due_since": _("Due since %(day)s"),
            "never": _("Never assessed nor reviewed"),
            "regressed": _("Regressed"),
            "lost": _("Held Implemented or Partially implemented and lost it"),
            "disagree": _("Assessments disagree"),
            "disagree_title": _("The independent assessments of a blind review disagree"),
            "overdue": _("Overdue"),
            "past_target": _("Past its target date, %(day)s, and not implemented"),
        }

    def __call__(self, rows: Iterable[DashboardRow]) -> Markup:
        return Markup("".join(map(self.row, rows)))

    def title(self, shown: Any, href: str, extra: str = "") -> str:
        """A link to a recommendation or a source, by its title in the reader's language."""
        said = escape(translated(shown, "title", self.reader))
        return f'<a{extra} href="{escape(href)}"{lang_attr(shown, "title", self.reader)}>{said}</a>'

    def row(self, row: DashboardRow) -> str:
        w, rec = self.words, row.recommendation
        assert isinstance(rec, Listed)
        changed = rec.id in self.changed
        classes = " ".join(
            name for name, on in (("is-due", row.due), ("is-changed", changed)) if on
        )
        badges = [str(self.status_chip(row.status))]
        if row.due:
            said = (
                w["due_since"] % {"day": self.local_date(row.due_on)} if row.due_on else w["never"]
            )
            badges.append(f'<span class="badge due" title="{said}">{w["due"]}</span>')
        if row.regressed:
            badges.append(
                f'<span class="badge regressed" title="{w["lost"]}">{w["regressed"]}</span>'
            )
        if row.disagree:
            href = escape(f"{self.to_reviews(rec.slug)}#blind-reviews")
            badges.append(
                f'<a class="badge disagree" href="{href}" title="{w["disagree_title"]}">'
                f"{w['disagree']}</a>"
            )
        if row.overdue:
            said = w["past_target"] % {"day": self.local_date(row.target)}
            badges.append(f'<span class="badge overdue" title="{said}">{w["overdue"]}</span>')
        logged = row.last_logged_at
        last = self.days_since(logged.date() if logged is not None else None)
        recommendation = self.title(rec, self.to_recommendation(rec.slug))
        source = self.title(rec.source, self.to_source(rec.source.slug), QUIET)
        return "".join(
            (
                f'\n        <tr class="{classes}">' if classes else "\n        <tr>",
                f'\n          <td data-label="#">{rec.position}</td>',
                f'\n          <td data-label="{w["recommendation"]}">',
                f"\n            {recommendation}",
                f'\n            <span class="badge changed">{w["changed"]}</span>'
                if changed
                else "\n            ",
                f'\n            <div class="muted">{source}\n              ',
                f"· {w['owner'] % {'name': rec.owner}}" if rec.owner and self.with_owner else "",
                "</div>\n          </td>",
                f'\n          <td data-label="{w["theme"]}">{escape(rec.theme)}</td>',
                f'\n          <td data-label="{w["addressed"]}">',
                f"{escape(', '.join(rec.actors))}</td>",
                f'\n          <td data-label="{w["status"]}">\n            ',
                "\n            ".join(badges),
                "\n          </td>",
                f'\n          <td data-label="{w["as_of"]}">',
                self.date(row.judgement.as_of) if row.judgement else "—",
                f'</td>\n          <td data-label="{w["last"]}">{escape(last)}</td>\n        </tr>',
            )
        )


QUIET = ' class="quiet"'
