"""The markup pages draw many of, written in Python: status badges and the charts' SVG.

tracker/charts.py computes the geometry and the paint; this writes the markup of the status
bars, the swatches and the patterns and paint every chart uses (templates/charts.html offers
them to templates under the names of the macros they replace). A Jinja macro call costs more
than what it draws, and a dashboard draws hundreds of pieces: here each value is escaped and
joined once. The markup is the macros' own, so what charts.py says of it holds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from markupsafe import Markup, escape

from . import charts
from .i18n import direction, language, local_number
from .vocabulary import Status

# The inside of each pattern, after its id: a tile of the fill with the ink drawn over it.
TILES = {
    "dots": (
        ' width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6"'
        ' fill="{fill}"></rect><circle cx="3" cy="3" r="1.3" fill="{ink}"></circle>'
    ),
    "hatch": (
        ' width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="{fill}"></rect><line x1="0" y1="0" x2="0" y2="6"'
        ' stroke="{ink}" stroke-width="2"></line>'
    ),
    "cross": (
        ' width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="{fill}"></rect><line x1="0" y1="0" x2="0" y2="6"'
        ' stroke="{ink}" stroke-width="2"></line><line x1="0" y1="3" x2="6" y2="3"'
        ' stroke="{ink}" stroke-width="2"></line>'
    ),
}


def status_badge(status: Status, href: str | None = None) -> Markup:
    """Draw a status as a badge, spaced as the macro it replaces was; with `href`, a link."""
    badge = f'<span class="badge status-{escape(status.value)}">{escape(status.label)}</span>'
    if href:
        badge = f'<a class="badge-link" href="{escape(href)}">{badge}</a>'
    return Markup(f"\n  {badge}\n")


def pct(value: float) -> str:
    return f"{value:.2f}%"


def defs(prefix: str, statuses: Iterable[Status]) -> Markup:
    """The patterns `statuses` need, with ids under `prefix`."""
    used = charts.patterns_used(list(statuses))
    if not used:
        return Markup("")
    prefix = escape(prefix)
    patterns = "".join(
        f'<pattern id="{prefix}-{paint.pattern}"'
        + TILES[paint.pattern].format(fill=escape(paint.fill), ink=escape(paint.ink))
        + "</pattern>"
        for _status, paint in used
        if paint.pattern in TILES
    )
    return Markup(f"<defs>{patterns}</defs>")


def paint(status: Status, prefix: str) -> Markup:
    """The paint of a status, as attributes of a shape in an SVG whose patterns are under
    `prefix`."""
    p = charts.PAINTS[status]
    fill = f"url(#{prefix}-{p.pattern})" if p.pattern else p.fill
    dash = f' stroke-dasharray="{escape(p.dash)}"' if p.dash else ""
    return Markup(f'fill="{escape(fill)}" stroke="{escape(p.stroke)}" stroke-width="1"{dash}')


def text_attrs(size: int = charts.LABEL_SIZE, fill: str = charts.INK) -> Markup:
    return Markup(
        f'font-family="{escape(charts.font_for(language()))}" font-size="{escape(size)}"'
        f' fill="{escape(fill)}"'
    )


def swatch(status: Status, id: str) -> Markup:
    """A small square of a status's paint, for legends and lists."""
    return Markup(
        f'<svg class="swatch" width="14" height="14" aria-hidden="true" focusable="false">'
        f'{defs(id, [status])}<rect x="0.5" y="0.5" width="13" height="13"'
        f" {paint(status, id)}></rect></svg>"
    )


def status_bars(chart: charts.BarChart, id: str, title: str, links: bool = True) -> Markup:
    """Stacked bars of statuses on the chart's common scale: the name (HTML, wrapping, a
    link), the bar (each status a link, its count in a pill where it has room) and the total.
    A bar grows from the name, so from the right in a right-to-left language (see README)."""
    # Read once a chart: each is a catalogue or a locale's look-up.
    label = functools.cache(lambda status: status.label)
    number = functools.cache(local_number)
    mirrored = direction() == "rtl"
    counts = text_attrs()
    id = escape(id)
    out = [
        f'<figure class="chart bars" aria-labelledby="{id}-title">'
        f'<figcaption class="visually-hidden" id="{id}-title">{escape(title)}</figcaption>'
        f'<ol class="bar-rows" id="{id}">'
    ]
    for index, bar in enumerate(chart, 1):
        prefix = f"{id}-{index}"
        pieces = bar.pieces(chart.scale)
        name = escape(bar.label)
        parts = [f"{label(piece.status)}: {number(piece.count)}" for piece in pieces]
        description = escape(charts.in_words(bar.label, parts))
        shown = f'<a href="{escape(bar.href)}">{name}</a>' if links and bar.href else name
        role = "group" if links else "img"
        out.append(
            f'<li class="bar-row"><span class="bar-name">{shown}</span>'
            f'<svg class="bar-svg" width="100%" height="26" role="{role}"'
            f' aria-label="{description}">{defs(prefix, [p.status for p in pieces])}'
        )
        for piece in pieces:
            named = escape(f"{bar.label}: {label(piece.status)}, {number(piece.count)}")
            linked = links and piece.href
            x = 100 - piece.x - piece.width if mirrored else piece.x
            out.append(
                (f'<a href="{escape(piece.href)}" aria-label="{named}">' if linked else "<g>")
                + f'<rect class="seg" x="{pct(x)}" y="1" width="{pct(piece.width)}" height="24"'
                f" {paint(piece.status, prefix)}><title>{named}</title></rect>"
            )
            if piece.shows_count(chart.reference):
                w = piece.pill_width()
                centre = pct(100 - piece.centre if mirrored else piece.centre)
                out.append(
                    f'<rect x="{centre}" y="4" width="{w:.1f}" height="18" rx="9" fill="#ffffff"'
                    f' stroke="{charts.MUTED}" stroke-width="1" transform="translate({-w / 2:.1f}'
                    f' 0)"></rect><text x="{centre}" y="17.5" text-anchor="middle" {counts}>'
                    f"{piece.count}</text>"
                )
            out.append("</a>" if linked else "</g>")
        out.append(f'</svg><span class="bar-total">{bar.total}</span></li>')
    out.append("</ol></figure>")
    return Markup("".join(out))
