"""View helpers that several areas share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from .db import get_session
from .moments import Moment
from .standings import DashboardFilters
from .versions import Versioned, diff, list_versions

# The furthest page a list goes to: the offsets it makes stay far inside a 64-bit integer.
MAX_PAGE = 1_000_000
# The largest id a row can have in either database (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def query_args(**changes: Any) -> dict[str, Any]:
    """This page's query arguments with `changes`, to pass to `url_for` for a link to it.

    A query may hold anything: names `url_for` takes for itself (`_method`, `_external`,
    `endpoint`) and the page's own path arguments (`slug`) are left out, not passed on.
    """
    reserved = {"endpoint", *(request.view_args or {})}
    kept = {
        name: value
        for name, value in request.args.items()
        if not name.startswith("_") and name not in reserved
    }
    return kept | changes


# What werkzeug leaves unquoted in a query string and in a path segment: a link written here
# reads as `url_for` writes it.
QUERY_SAFE = "!$'()*,/:;?@"
SEGMENT_SAFE = "!$&'()*+,/:;=@"
# Stands for an item's slug or id in an address built once (`item_links`): a number, which a
# slug may also be, that no row has and no other part of these addresses holds.
STAND_IN = 987_654_321_987


class Links:
    """Links to one address with different query strings, as `url_for` writes them, for a
    page that shows many: `url_for` costs tens of microseconds a call, and builds the
    address once here. What it adds by itself (the URL defaults: `?lang=`) comes last, unless
    the query names it.
    """

    def __init__(self, endpoint: str, **values: Any) -> None:
        self.path, _, added = url_for(endpoint, **values).partition("?")
        self.added = parse_qsl(added, keep_blank_values=True)

    def __call__(self, args: Mapping[str, Any]) -> str:
        pairs = [(name, value) for name, value in args.items() if value is not None]
        pairs += [(name, value) for name, value in self.added if name not in args]
        return f"{self.path}?{urlencode(pairs, safe=QUERY_SAFE)}" if pairs else self.path


def item_links(endpoint: str, key: str = "slug", **values: Any) -> Callable[[str | int], str]:
    """Links to `endpoint` for one item or another, named by `key` (its slug or its id), the
    rest of the address as `values` make it: `url_for` builds it once (see `Links`).

    A page listing many items, each with the same kinds of links, builds each kind once and
    fills in each item."""
    before, after = url_for(endpoint, **values, **{key: STAND_IN}).split(str(STAND_IN), 1)
    return lambda item: f"{before}{quote(str(item), safe=SEGMENT_SAFE)}{after}"


def local_address(target: str | None, default: str) -> str:
    """`target` if it is an address on this site, else `default`: where a button goes back to."""
    target = target or ""
    local = target.startswith("/") and not target.startswith("//")
    # A backslash reads as "/" to some browsers; a line break would end the Location header.
    return target if local and "\\" not in target and target.isprintable() else default


def number_from_query(name: str, default: int, *, maximum: int) -> int:
    """Read a whole number from the query: a missing or unreadable one is `default`, one
    below 1 is 1, and one beyond `maximum` is refused (400), as no page has such a number.
    """
    value = request.args.get(name, default, type=int)
    if value > maximum:
        abort(
            400,
            description=_(
                "“%(name)s” must be a whole number from 1 to %(maximum)s.",
                name=name,
                maximum=format_decimal(maximum),
            ),
        )
    return max(value, 1)


def filters_from_query() -> DashboardFilters:
    """Read the dashboard's filters from the query string, so a filtered view can be
    bookmarked: the dashboard, search and the CSV of updates read the same ones."""
    return DashboardFilters.from_arguments(request.args, current_user.id)


def page_from_query() -> int:
    return number_from_query("page", 1, maximum=MAX_PAGE)


def drop_empty_parameters() -> ResponseReturnValue | None:
    """Send a GET with empty parameters (a filter form's "All") to the address without them.

    So that a bookmarked or shared view carries only the filters in use; static/tracker.js
    leaves them out before sending, and this catches the browsers without JavaScript.
    """
    if request.method not in ("GET", "HEAD") or not request.args:
        return None
    kept = [(name, value) for name, value in request.args.items(multi=True) if value.strip()]
    if len(kept) == len(list(request.args.items(multi=True))):
        return None
    query = urlencode(kept)
    return redirect(f"{request.path}?{query}" if query else request.path)


def moment_from_query() -> tuple[Moment, list[str]]:
    """Read `?as_of=` and `?known_on=` (YYYY-MM-DD); say what was wrong with either.

    Known on a day and nothing else: where things stood that day, as shown that day.
    """
    today = dt.date.today()
    errors = []
    dates: dict[str, dt.date | None] = {}
    for name, label in (("as_of", _("As of")), ("known_on", _("Known on"))):
        value = request.args.get(name, "").strip()
        try:
            dates[name] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            dates[name] = None
            errors.append(
                _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).", field=label, value=value)
            )
        if (day := dates[name]) is not None and day > today:
            dates[name] = None
            errors.append(
                _("%(field)s: %(day)s is in the future.", field=label, day=day.isoformat())
            )
    known_on = dates["known_on"]
    as_of = dates["as_of"] or known_on or today
    return Moment(as_of=as_of, known_on=known_on), errors


def render_history(entity: Versioned, title: str, back: str) -> ResponseReturnValue:
    """Show every version of `entity` and what changed between two of them (?from=&to=)."""
    versions = list_versions(get_session(), entity)
    by_number = {version.number: version for version in versions}
    to = request.args.get("to", versions[0].number if versions else 0, type=int)
    since = request.args.get("from", to - 1, type=int)
    changes = None
    if to in by_number and since in by_number:
        changes = diff(by_number[since].data, by_number[to].data)
    return render_template(
        "history.html",
        title=title,
        back=back,
        versions=versions,
        since=since,
        to=to,
        changes=changes,
    )
