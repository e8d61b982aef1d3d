"""PDF rendering with WeasyPrint, which needs Pango from the system: imported only when asked."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"

INSTALL_HINT = (
    "PDF downloads need WeasyPrint and the Pango library. Install them with "
    "`pip install weasyprint` and, on Debian or Ubuntu, "
    "`apt-get install libpango-1.0-0 libpangoft2-1.0-0`; the printable page works meanwhile."
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs are missing."""


def render_pdf(html: str, paper: str) -> bytes:
    """Lay out `html` on `paper` (A4 or Letter) with the site's stylesheet, read from disk.

    The page is rendered without its stylesheet link (see base.html's `for_pdf`), so
    nothing is fetched: every resource is given here.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's libraries are missing
        raise PdfUnavailable(INSTALL_HINT) from error

    stylesheets = [
        weasyprint.CSS(filename=str(STATIC / "tracker.css")),
        weasyprint.CSS(string=f"@page {{ size: {paper}; }}"),
    ]
    return weasyprint.HTML(string=html).write_pdf(stylesheets=stylesheets)
