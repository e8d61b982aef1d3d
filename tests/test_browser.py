"""End to end in Debian's Chromium, driven by Playwright: journeys, accessibility, keyboard, phone.

Where Chromium or Playwright is missing these tests skip and say why; CI sets
TRACKER_REQUIRE_ALL=1 so that a skip there is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tracker import create_app
from tracker.auth.services import create_user
from tracker.db import get_engine, sessions
from tracker.models import Source, StatusUpdate, User
from tracker.schema import alembic_config
from tracker.seeds import load_seeds, read_seeds
from tracker.status_updates import approve_status_update, correct_status_update
from tracker.vocabulary import Role, Status

from .forecasting import history_and_forecasts
from .helpers import PASSWORD, SLUG, add_updates

HISTORY = [
    ("un-supported-talks-on-coalition-presence", Status.NO_ACTION, dt.timedelta(900)),
    ("un-supported-talks-on-coalition-presence", Status.IMPLEMENTED, dt.timedelta(200)),
    ("iraqi-declaration-on-attacks-against-coalition", Status.STALLED, dt.timedelta(400)),
    ("negotiate-with-a-future-reformist-government-in-mind", Status.CONTRADICTED, dt.timedelta(90)),
    ("interim-administration-and-early-elections", Status.PARTIAL, dt.timedelta(12)),
]

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@contextmanager
def serving(
    directory: Path,
    extra: Callable[[Session, dict[Role, User]], object],
    config: dict[str, object] | None = None,
) -> Iterator[tuple[str, Flask]]:
    """Serve the seeded app on SQLite on a free loopback port, with one user per role and
    what `extra` adds, while the block runs: its address and the app. `config` adds to the
    app's settings."""
    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    url = f"sqlite:///{directory / 'tracker.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(
        {
            "SECRET_KEY": "browser tests",
            "DATABASE_URL": url,
            # Each test logs in afresh, at several widths: more than a person would try.
            "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
            "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
            **(config or {}),
        }
    )
    engine = get_engine(app)
    with sessions(app)() as session:
        load_seeds(session, read_seeds())
        users = {
            role: create_user(
                session,
                f"{role.value}@example.org",
                f"{role.label} Person",
                PASSWORD,
                role,
                by=None,
            )
            for role in Role
        }
        session.commit()
        extra(session, users)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", app
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        engine.dispose()


def add_history(session: Session, users: dict[Role, User]) -> None:
    """Some history for the charts, none of it "in progress" (a test filters on that)."""
    today = dt.date.today()
    for slug, status, start in HISTORY:
        add_updates(
            session, users[Role.ANALYST], slug, 1, status=status, start=today - start,
            change_reason="The talks were held.",
        )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded app with some history."""
    with serving(tmp_path_factory.mktemp("browser"), add_history) as (url, _app):
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=server, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, role: Role = Role.ANALYST) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(f"{role.value}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def expect_refused(page) -> None:  # type: ignore[no-untyped-def]
    """Wait for the form a save refused to come back: its title starts "Error:"."""
    from playwright.sync_api import expect

    expect(page).to_have_title(re.compile(r"^Error: "))


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def status_in_row(page, title: str) -> str:  # type: ignore[no-untyped-def]
    row = page.locator(
        "table.recommendations tbody tr", has=page.get_by_role("link", name=title, exact=True)
    )
    return row.locator(".badge").first.inner_text()


def test_analyst_logs_an_update_and_the_dashboard_follows(page) -> None:  # type: ignore[no-untyped-def]
    title = "Resume anti-ISIS cooperation as a priority"
    login(page)
    shot(page, "01-dashboard")
    assert status_in_row(page, title) == "Not yet assessed"

    page.get_by_role("link", name=title, exact=True).click()
    assert page.locator("blockquote").first.inner_text().startswith("Priority should be given")
    page.get_by_role("link", name="Log status update").click()

    page.get_by_label("In progress").check()
    page.get_by_label("As of").fill("2021-10-10")
    page.get_by_label("Assessment").fill("Joint operations **resumed** in October.")
    page.get_by_label("Moderate").check()
    page.locator("#evidence-0-url").fill("https://news.example.org/joint-operations")
    page.locator("#evidence-0-title").fill("Joint operations resume")
    page.locator("#evidence-0-publisher").fill("Example News")
    page.locator("#evidence-0-excerpt").fill("Iraqi and Coalition forces resumed joint operations.")
    page.locator("#evidence-0-reliability").select_option("B")
    page.locator("#evidence-0-credibility").select_option("2")
    page.get_by_role(
        "button", name="Add another evidence row"
    ).click()  # no JavaScript: a round trip
    assert page.locator("#evidence-0-title").input_value() == "Joint operations resume"
    page.locator("#evidence-1-url").fill("https://news.example.org/militias-object")
    page.locator("#evidence-1-title").fill("Militias object")
    page.locator("#evidence-1-publisher").fill("Another Paper")
    page.locator("#evidence-1-excerpt").fill("Militia leaders denounced the resumption.")
    page.locator("#evidence-1-stance-1").check()
    shot(page, "02-log-update-form")
    page.get_by_role("button", name="Log status update").click()

    assert page.get_by_text("Status update logged.").is_visible()
    assert page.locator(".current .badge").inner_text() == "In progress"
    assert page.locator(".evidence li").count() == 2
    assert page.locator("#status-timeline").is_visible()
    shot(page, "03-recommendation-with-timeline")

    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    assert status_in_row(page, title) == "In progress"
    page.locator("#filter-status").select_option("in_progress")
    page.get_by_role("button", name="Show").click()
    assert "status=in_progress" in page.url
    assert page.locator("table.recommendations tbody tr").count() == 1

    page.goto("/")
    page.locator("#as_of").fill("2021-01-01")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("Showing where things stood on").is_visible()
    assert status_in_row(page, title) == "Not yet assessed"
    shot(page, "04-dashboard-as-of")

    page.goto("/swimlane")
    assert page.locator("#swimlane").is_visible()
    shot(page, "05-swimlane")

    page.goto("/sources/mei-2020-real-cost-us-iran-escalation-iraq/report")
    shot(page, "06-report-card")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF (A4)").click()
    assert download.value.suggested_filename.endswith("report-card.pdf")


PAGES = [
    "/login",
    "/",
    "/?as_of=2021-01-01",
    f"/recommendations/{SLUG}",
    f"/recommendations/{SLUG}/updates/new",
    f"/recommendations/{SLUG}/edit",
    f"/recommendations/{SLUG}/history",
    "/sources/mei-2020-real-cost-us-iran-escalation-iraq",
    "/sources/mei-2020-real-cost-us-iran-escalation-iraq/edit",
    "/sources/mei-2020-real-cost-us-iran-escalation-iraq/report",
    "/sources/mei-2020-real-cost-us-iran-escalation-iraq/recommendations/new",
    "/sources/",
    "/sources/new",
    "/actors/",
    "/themes/",
    "/actors/unami/rename",
    "/themes/sanctions/merge",
    "/swimlane",
    "/compare",
    "/corrections",
    "/audit",
    "/me",
    "/changes",
    f"/recommendations/{SLUG}/owners",
    f"/recommendations/{SLUG}/reviews/new",
    f"/recommendations/{SLUG}/criteria",
    f"/recommendations/{SLUG}/signposts",
    "/no-such-page",
]


def test_editor_adds_a_source_and_a_recommendation_through_the_forms(page) -> None:  # type: ignore[no-untyped-def]
    login(page, Role.EDITOR)
    page.get_by_role("link", name="Sources", exact=True).click()
    page.get_by_role("link", name="Add a source").click()
    page.get_by_label("Title", exact=True).fill("Iraq's next government")
    page.get_by_label("Kind").select_option(label="Report")
    page.get_by_label("Author").fill("A. Researcher")
    page.get_by_label("Publisher").fill("Example Institute")
    page.get_by_label("Link").fill("https://example.org/next-government")
    page.get_by_label("Published on", exact=True).fill("2021-05-01")
    page.get_by_label("Full text").fill(
        "Parliament should pass the election law before the summer recess."
    )
    page.get_by_role("button", name="Add source").click()

    page.get_by_label("Title", exact=True).fill("Pass the election law")
    page.get_by_label("Summary", exact=True).fill("Before the summer recess.")
    page.get_by_label("Passage").fill(
        "Parliament should pass the electoral law before the summer recess."
    )
    page.get_by_label("Theme").select_option(label="Political transition")
    page.get_by_label("Iraqi political blocs").check()
    page.get_by_role("button", name="Add recommendation").click()
    error = page.locator("#passage-error")
    assert (
        "matches up to “Parliament should pass the” and differs from “electoral”"
        in error.inner_text()
    )
    assert page.get_by_label("Iraqi political blocs").is_checked()  # nothing typed is lost
    page.get_by_label("Passage").fill(
        "Parliament should pass the election law before the summer recess."
    )
    page.get_by_role("button", name="Add recommendation").click()

    page.wait_for_url(re.compile(r"/sources/iraqs-next-government$"))
    shot(page, "06-second-source")
    assert status_in_row(page, "Pass the election law") == "Not yet assessed"
    page.goto("/")
    assert status_in_row(page, "Pass the election law") == "Not yet assessed"


def test_no_accessibility_violations_on_any_page(page) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    login(page, Role.ADMIN)
    found = {}
    for path in PAGES:
        page.goto(path)
        results = axe.run(page)
        if results.violations_count:
            found[path] = [
                (violation["id"], [node["target"] for node in violation["nodes"]][:3])
                for violation in results.response["violations"]
            ]
    assert found == {}


def test_keyboard_alone_logs_in_and_reaches_a_recommendation(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("#email").focus()
    page.keyboard.type("viewer@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    for _ in range(200):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("/recommendations/"):
            break
    else:
        pytest.fail("no recommendation link reached by Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/recommendations/"))
    assert page.locator("h1").is_visible()


def test_the_header_is_one_line_wide_and_its_menus_work_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    login(page, Role.ADMIN)
    # Every link of the admin's header on one line at 1280 pixels, the menus' names included.
    tops = page.locator(".site-header nav[aria-label=Main] > :is(a, details, form)").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert len(tops) > 8 and max(tops) - min(tops) < 8, tops  # a second line starts 40 lower
    users = page.get_by_role("link", name="Users", exact=True)
    assert not users.is_visible()  # inside the closed Administration menu
    page.get_by_text("Administration", exact=True).focus()
    page.keyboard.press("Enter")
    assert users.is_visible()
    page.keyboard.press("Escape")  # closes it, focus back on its name
    assert not users.is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Administration"
    page.get_by_text("More", exact=True).click()
    page.get_by_text("Administration", exact=True).click()  # one menu open at a time
    assert page.locator("details.menu[open]").count() == 1
    page.locator("h1").click()  # a click elsewhere closes it
    assert page.locator("details.menu[open]").count() == 0
    page.get_by_text("Administration", exact=True).click()
    users.click()
    page.wait_for_url(re.compile(r"/admin/users$"))


def test_pages_fit_a_phone_screen(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    try:
        login(page, Role.ADMIN)
        overflowing = []
        for path in PAGES:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 391:
                overflowing.append((path, width))
        shot(page, "07-phone")
        page.goto("/")
        shot(page, "08-phone-dashboard")
        assert overflowing == []
    finally:
        context.close()


REPORT = "/sources/mei-2020-real-cost-us-iran-escalation-iraq/report"
CHART_PAGES = [
    "/", f"/recommendations/{SLUG}", REPORT, "/swimlane", "/swimlane?window=all", "/forecasts",
]  # fmt: skip
WIDTHS = [1280, 768, 390, 320]


def context_at(browser, server: str, width: int):  # type: ignore[no-untyped-def]
    return browser.new_context(
        base_url=server,
        viewport={"width": width, "height": 900},
        is_mobile=width < 500,
        accept_downloads=True,
    )


# The size at which each visible piece of text in a chart is drawn, in CSS pixels, with
# its text: SVG text scaled by its SVG's transform to the screen, HTML text as it is.
CHART_TEXT_SIZES = """() => {
  const shown = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const sizes = [];
  for (const el of document.querySelectorAll('svg text')) {
    if (!shown(el) || !el.textContent.trim()) continue;
    const m = el.getScreenCTM();
    const scale = Math.hypot(m.a, m.b);  // a rotated label keeps its size
    sizes.push([parseFloat(getComputedStyle(el).fontSize) * scale, el.textContent.trim()]);
  }
  for (const el of document.querySelectorAll('.chart :is(.bar-name, .bar-total, .lane-name, li)')) {
    if (!shown(el) || el.closest('svg')) continue;
    sizes.push([parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 40)]);
  }
  return sizes;
}"""


def test_chart_text_is_at_least_12_pixels_at_every_width(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    small = []
    for width in WIDTHS:
        context = context_at(browser, server, width)
        page = context.new_page()
        try:
            login(page, Role.VIEWER)
            for path in CHART_PAGES:
                page.goto(path)
                sizes = page.evaluate(CHART_TEXT_SIZES)
                assert sizes, (path, width)
                small += [(path, width, size, text) for size, text in sizes if size < 12]
        finally:
            context.close()
    assert small == []


def test_the_current_status_is_labelled_and_long_names_are_whole(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        context = context_at(browser, server, width)
        page = context.new_page()
        try:
            login(page, Role.VIEWER)
            # Partially implemented twelve days ago, after years not assessed: a sliver of
            # the whole history, and still the label that reads.
            page.goto("/recommendations/interim-administration-and-early-elections?window=all")
            bold = page.locator("#status-timeline text[font-weight=bold]")
            visible = [bold.nth(i) for i in range(bold.count()) if bold.nth(i).is_visible()]
            assert [label.text_content() for label in visible] == ["Partially implemented"]
            if width < 500:  # a phone lists the spans in words too
                assert page.locator(".spans-list").first.is_visible()
                assert "since" in page.locator(".spans-list li").first.inner_text()
            else:
                assert not page.locator(".spans-list").first.is_visible()
            page.goto("/swimlane")
            names = page.locator(".lane-name")
            long_title = (
                "Staff the crisis cell with peer-nominated, UN-vetted members barred from office"
            )
            assert f"8. {long_title}" in names.all_inner_texts()
            box = names.nth(7).bounding_box()
            assert box and box["width"] <= width  # it wraps: no cut, no overflow
        finally:
            context.close()


def test_the_analysts_morning(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """An editor assigns; the analyst sees what changed, opens My work, records a re-check and
    comments with a mention, which reaches the colleague mentioned."""
    journeys = [
        (1280, SLUG, "Resume anti-ISIS cooperation as a priority"),
        (
            390,
            "un-supported-talks-on-coalition-presence",
            "Hold UN-supported talks on Coalition personnel levels",
        ),
    ]
    for width, slug, title in journeys:
        context = browser.new_context(
            base_url=server, viewport={"width": width, "height": 900}, is_mobile=width < 500
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            login(page, Role.EDITOR)
            page.goto(f"/recommendations/{slug}/owners")
            page.get_by_label("Owner", exact=True).select_option(label="Analyst Person")
            page.get_by_label("Review every (days)").fill("30")
            page.get_by_label("Review every (days)").press("Enter")
            expect_text(page, "Owners saved.")
            page.get_by_role("button", name="Log out").click()

            login(page, Role.ANALYST)
            changes = page.get_by_role("link", name=re.compile(r"^\d+ changes?$"))
            assert changes.is_visible()
            shot(page, f"11-morning-dashboard-{width}")
            row = page.locator("table.recommendations tbody tr.is-changed", has_text=title)
            assert row.count() == 1
            changes.click()
            page.wait_for_url(re.compile(r"/changes$"))
            assert page.get_by_role("cell", name="Owner assigned").count() >= 1
            shot(page, f"12-morning-changes-{width}")
            page.get_by_role("button", name="Mark all as seen").click()
            expect_text(page, "All changes marked as seen.")

            page.get_by_role("link", name="My work").click()
            page.wait_for_url(re.compile(r"/me$"))
            assert page.locator("table.work tbody tr", has_text=title).count() == 1
            shot(page, f"13-morning-my-work-{width}")
            page.get_by_role("link", name=title, exact=True).first.click()
            page.get_by_role("link", name="Re-checked, no change").click()
            page.get_by_role("button", name="Record re-check").click()  # the date is filled
            expect_text(page, "Re-check recorded: the status stays as it was.")
            assert page.locator(".review-clock .badge.due").count() == 0
            assert page.locator("li.review").count() >= 1
            shot(page, f"14-morning-re-checked-{width}")
            # A comment with a mention: sent empty first, refused and kept on its own page.
            page.get_by_role("button", name="Add comment").click()
            expect_text(page, "Write the comment.")
            assert page.locator(".error-summary").is_visible()
            page.get_by_label("Comment", exact=True).fill(
                "Re-checked, *nothing moved*. @editor-person, worth a second look?"
            )
            page.get_by_role("button", name="Add comment").click()
            expect_text(page, "Comment added.")
            comment = page.locator("#discussion li.comment").last
            assert comment.locator("em", has_text="nothing moved").count() == 1
            assert comment.locator("span.mention", has_text="@editor-person").count() == 1
            assert page.get_by_text("editor@example.org").count() == 0
            shot(page, f"15-morning-commented-{width}")
            page.get_by_role("link", name="My work").click()
            page.get_by_role("button", name="Mark as seen").click()
            expect_text(page, "Nothing new assigned to you.")
            page.get_by_role("button", name="Log out").click()

            # The colleague mentioned hears of it, and the notification leads to the comment.
            login(page, Role.EDITOR)
            page.get_by_role("link", name=re.compile(r"^Notifications")).click()
            mention = page.locator("li.notification", has_text="Mentioned you in a comment").first
            assert mention.locator("a", has_text=title).count() == 1
            mention.locator("a", has_text=title).click()
            page.wait_for_url(re.compile(r"#comment-\d+$"))
            assert page.locator("#discussion span.mention", has_text="@editor-person").count() >= 1
            page.get_by_role("button", name="Log out").click()
        finally:
            context.close()


def test_bars_lead_to_the_dashboard_filtered_on_them(page) -> None:  # type: ignore[no-untyped-def]
    login(page, Role.VIEWER)
    page.locator('#chart-theme a[aria-label="Security cooperation: Stalled, 1"]').click()
    page.wait_for_url(re.compile(r"theme=security-cooperation&status=stalled"))
    assert page.locator("table.recommendations tbody tr").count() == 1
    assert page.locator("#filter-status").input_value() == "stalled"
    page.get_by_role("link", name="Clear").click()
    page.locator("#chart-actor .bar-name a", has_text="United States").click()
    page.wait_for_url(re.compile(r"actor=united-states"))
    assert page.locator("#filter-actor").input_value() == "united-states"


def test_dates_never_break_and_filters_line_up(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        context = context_at(browser, server, width)
        page = context.new_page()
        try:
            login(page, Role.ADMIN)
            for path in [
                "/",
                REPORT,
                f"/recommendations/{SLUG}",
                "/swimlane",
                "/compare",
                "/audit",
            ]:
                page.goto(path)
                broken = page.evaluate(
                    "() => Array.from(document.querySelectorAll('time'))"
                    ".filter(t => t.getClientRects().length > 1).map(t => t.textContent)"
                )
                assert broken == [], (path, width)
            page.goto("/")
            if width > 1000:
                status = page.locator("#filter-status").bounding_box()
                for other in ("#filter-source", "#as_of", "#known_on"):
                    box = page.locator(other).bounding_box()
                    if abs(box["y"] - status["y"]) < 40:  # on the same line
                        assert abs(box["y"] - status["y"]) <= 1, other
                        assert abs(box["height"] - status["height"]) <= 1, other
        finally:
            context.close()


def test_phone_cards_keep_their_column_labels(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context = context_at(browser, server, 390)
    page = context.new_page()
    try:
        login(page, Role.ADMIN)
        for path in ["/", "/sources/mei-2020-real-cost-us-iran-escalation-iraq", "/swimlane"]:
            page.goto(path)
            assert not page.locator("table.recommendations thead").first.is_visible()
            unlabelled = page.evaluate(
                """() => Array.from(document.querySelectorAll('table.recommendations tbody td'))
                  .filter(td => td.colSpan === 1 && !td.querySelector(':scope > a:first-child')
                                && getComputedStyle(td, '::before').content === 'none')
                  .map(td => td.textContent.trim().slice(0, 30))"""
            )
            assert unlabelled == [], path
    finally:
        context.close()


def test_screenshots_of_the_charts_and_the_pdf_pages(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """Pictures to look at: the dashboard, a recommendation, the report card and its PDF."""
    for width in (1280, 390):
        context = context_at(browser, server, width)
        page = context.new_page()
        try:
            login(page, Role.VIEWER)
            for name, path in [
                ("dashboard", "/"),
                ("recommendation", "/recommendations/interim-administration-and-early-elections"),
                ("report-card", REPORT),
                ("swimlane", "/swimlane"),
            ]:
                page.goto(path)
                shot(page, f"10-{name}-{width}")
        finally:
            context.close()
    context = context_at(browser, server, 1280)
    page = context.new_page()
    try:
        login(page, Role.VIEWER)
        for paper in ("a4", "letter"):
            response = page.request.get(f"{REPORT}?format=pdf&paper={paper}")
            if response.status == 503:
                pytest.skip("WeasyPrint is not installed")
            assert response.headers["content-type"] == "application/pdf"
            import pypdfium2

            document = pypdfium2.PdfDocument(response.body())
            try:
                for number, pdf_page in enumerate(document, start=1):
                    image = pdf_page.render(scale=100 / 72).to_pil()
                    image.save(ARTIFACTS / f"11-report-card-{paper}-page-{number}.png")
            finally:
                document.close()
        response = page.request.get(f"{REPORT}?format=docx")
        assert response.status == 200
        (ARTIFACTS / "11-report-card.docx").write_bytes(response.body())
    finally:
        context.close()


def expect_text(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(text).first.wait_for()


def test_a_refused_update_focuses_its_summary_and_rows_change_in_place(page) -> None:  # type: ignore[no-untyped-def]
    login(page)
    # One no other test logs an update on: its form starts with no status chosen.
    page.goto("/recommendations/crisis-cell-membership-and-vetting/updates/new")
    page.locator("#evidence-0-title").fill("First item")
    page.get_by_role("button", name="Add another evidence row").click()
    # With JavaScript the row is added in place: no round trip, focus in the new row.
    assert page.locator(".evidence-row").count() == 2
    assert page.evaluate("document.activeElement.id") == "evidence-1-url"
    assert page.locator("#evidence-0-title").input_value() == "First item"
    page.locator("#evidence-1-title").fill("Second item")
    page.get_by_role("button", name="Remove evidence 1").click()
    assert page.locator(".evidence-row").count() == 1
    assert page.locator(".evidence-row > legend").inner_text() == "Evidence 1"
    assert page.locator("input[name$='-title']").input_value() == "Second item"

    # Enter in a field saves (and is refused, the form being incomplete): not a new row.
    page.locator("input[name$='-title']").press("Enter")
    expect_refused(page)
    assert page.evaluate("document.activeElement.dataset.errorSummary") == ""
    assert page.locator(".evidence-row").count() == 1
    # (The status may be prefilled: another test may have logged one already.)
    page.get_by_role("link", name="Assessment: This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "assessment"
    shot(page, "07-refused-update-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "08-refused-update-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Completed, with a link typed without its scheme: saved with https://, and said so.
    page.get_by_label("In progress").check()
    page.get_by_label("Assessment").fill("Joint patrols **resumed** near Mosul.")
    page.get_by_label("Moderate").check()
    page.locator("#evidence-0-url").fill("www.reuters.com/world/joint-patrols")
    page.locator("input[name$='-publisher']").fill("Reuters")
    page.locator("textarea[name$='-excerpt']").fill("Patrols resumed on Monday.")
    page.locator("textarea[name$='-excerpt']").press("Control+Enter")  # no effect in a textarea
    page.get_by_role("button", name="Log status update").click()
    assert page.get_by_text("https:// was added in front of").is_visible()
    link = page.locator(".evidence a").first.get_attribute("href")
    assert link == "https://www.reuters.com/world/joint-patrols"
    shot(page, "09-recommendation-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "10-recommendation-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/search?q=Reuters")
    assert page.locator("#results-heading").inner_text() == "1 result"
    assert page.locator(".search-results .badge.status-in_progress").count() == 1
    assert page.locator("#search-q").evaluate("e => getComputedStyle(e).fontSize") == "16px"
    shot(page, "11-search-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "12-search-390")


ARABIC_PAGES = ["/", f"/recommendations/{SLUG}", f"/recommendations/{SLUG}/edit"]


def test_arabic_pages_read_right_to_left_without_accessibility_violations(
    browser, server: str
) -> None:  # type: ignore[no-untyped-def]
    """The switcher turns the pages Arabic; axe finds nothing at desktop and phone widths."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, Role.EDITOR)
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    try:
        found = {}
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for path in ARABIC_PAGES:
                page.goto(path)
                assert page.locator("html").get_attribute("lang") == "ar"
                assert page.locator("html").get_attribute("dir") == "rtl"
                results = axe.run(page)
                if results.violations_count:
                    found[(width, path)] = [
                        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
                        for violation in results.response["violations"]
                    ]
                name = "arabic-" + (path.strip("/").replace("/", "-") or "dashboard")
                shot(page, f"{name}-{width}")
        assert found == {}
        page.goto("/")
        assert page.get_by_role("heading", level=1).inner_text() == "لوحة متابعة الحالات"
        # The header starts at the right: the brand is right of the first link.
        brand = page.locator(".brand").bounding_box()
        dashboard = page.get_by_role("link", name="لوحة المتابعة", exact=True).bounding_box()
        assert brand["x"] > dashboard["x"]
    finally:
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        context.close()


# The public site and its embeds: an anonymous reader, an editor's approval, other origins.

PUBLIC_SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
EMBEDDER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A think tank</title></head><body><h1>Our recommendations</h1>
<img id="badge" src="{tracker}/recommendations/{slug}/badge.svg" alt="Status on Tracker">
<iframe id="card" src="{tracker}/embed/recommendations/{slug}" title="On Tracker" width="480"
 height="230"></iframe></body></html>"""


@contextmanager
def embedder(tracker: list[str]) -> Iterator[str]:
    """A page of another origin (a second loopback port) that shows a badge and a card."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            body = EMBEDDER_PAGE.format(tracker=tracker[0], slug=SLUG).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()


def publish_with_an_approved_update(session: Session, users: dict[Role, User]) -> None:
    session.scalars(select(Source).where(Source.slug == PUBLIC_SOURCE)).one().published = True
    session.commit()
    add_updates(session, users[Role.ANALYST], SLUG, 1, status=Status.IN_PROGRESS)
    for update in session.scalars(select(StatusUpdate)):
        approve_status_update(session, update, editor=users[Role.EDITOR])
    session.commit()


@pytest.fixture(scope="module")
def public_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A public Tracker, its source published, an approved update; two other origins, one of
    them allowed to frame its embeds."""
    tracker: list[str] = []
    with (
        embedder(tracker) as allowed,
        embedder(tracker) as refused,
        serving(
            tmp_path_factory.mktemp("public"),
            publish_with_an_approved_update,
            {"PUBLIC": True, "EMBED_ORIGINS": [allowed]},
        ) as (url, app),
    ):
        tracker.append(url)
        yield {"url": url, "app": app, "allowed": allowed, "refused": refused}


def test_the_public_site_reviewed_before_publishing(public_site, browser) -> None:  # type: ignore[no-untyped-def]
    server = str(public_site["url"])
    app = public_site["app"]
    anonymous = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    reader = anonymous.new_page()
    reader.goto("/")
    assert reader.get_by_role("link", name="Log in").is_visible()
    reader.goto(f"/recommendations/{SLUG}")
    assert reader.locator("h1").inner_text()
    assert "Development 0." in reader.content()
    assert anonymous.cookies() == [], "an anonymous reader got a cookie"

    # An analyst logs an update: inside it shows at once, awaiting review; outside, not yet.
    inside = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    viewer = inside.new_page()
    login(viewer, Role.ANALYST)
    viewer.goto(f"/recommendations/{SLUG}/updates/new")
    viewer.locator("[name=assessment]").fill("The talks stopped in **June**.")
    for name, value in (("status", "stalled"), ("confidence", "moderate"),
                        ("evidence-0-stance", "supports"), ("evidence-0-reliability", "B"),
                        ("evidence-0-credibility", "2")):  # fmt: skip
        field = viewer.locator(f"select[name={name}]")
        if field.count():
            field.select_option(value)
        else:
            viewer.locator(f"input[name={name}][value='{value}']").check()
    viewer.locator("[name=change_reason]").fill("The talks stopped.")
    for name, value in (("url", "https://news.example.org/june"), ("title", "June report"),
                        ("publisher", "Example News"), ("excerpt", "They stopped.")):  # fmt: skip
        viewer.locator(f"[name=evidence-0-{name}]").fill(value)
    viewer.get_by_role("button", name="Log status update").click()
    viewer.wait_for_url(re.compile(f"/recommendations/{SLUG}$"))
    assert "The talks stopped in" in viewer.content()
    assert viewer.locator(".review-state .awaiting").first.is_visible()
    reader.goto(f"/recommendations/{SLUG}")
    assert "The talks stopped in" not in reader.content()

    # An editor other than its author approves it from the review queue; the public sees it.
    editors = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    editor = editors.new_page()
    login(editor, Role.EDITOR)
    editor.goto("/review")
    editor.get_by_role("button", name="Approve for the public").first.click()
    editor.wait_for_url(re.compile("/review$"))
    assert "Approved: the public sees this update now." in editor.content()
    # The browser may keep a public page for its short max-age: reloading asks again, and
    # the page's new ETag brings the new page.
    reader.reload()
    assert "The talks stopped in" in reader.content()
    assert "Stalled" in reader.locator(".current").inner_text()

    # A correction of a published update shows in the public corrections log.
    with sessions(app)() as session:  # type: ignore[attr-defined]
        update = session.scalars(
            select(StatusUpdate).where(StatusUpdate.assessment.like("The talks stopped%"))
        ).one()
        correct_status_update(
            session, update, editor=session.get(User, update.author_id), status=Status.STALLED,
            as_of=update.as_of, assessment="The talks stopped in **May**.",
            confidence=update.confidence, reason="The month was misread",
        )  # fmt: skip
        session.commit()
    reader.goto("/corrections")
    assert "The month was misread" in reader.content()
    assert anonymous.cookies() == [], "an anonymous reader got a cookie"
    for context in (anonymous, inside, editors):
        context.close()


def test_embeds_show_on_an_allowed_origin_and_are_refused_elsewhere(public_site, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(str(public_site["allowed"]))
    page.wait_for_function("document.getElementById('badge').complete")
    assert page.evaluate("document.getElementById('badge').naturalWidth") > 40
    card = page.frame_locator("#card")
    assert card.locator("h1").inner_text(timeout=15_000)
    assert card.locator(".status img").is_visible()
    shot(page, "embed-allowed")

    refused = context.new_page()
    refusals: list[str] = []
    refused.on("console", lambda message: refusals.append(message.text))
    refused.goto(str(public_site["refused"]))
    refused.wait_for_load_state("load")
    # The badge is an image, shown anywhere; the card's frame is blocked.
    assert refused.evaluate("document.getElementById('badge').naturalWidth") > 40
    frame = next(f for f in refused.frames if f is not refused.main_frame)
    assert frame.url.startswith("chrome-error://") or not frame.locator("h1").count()
    assert any("frame-ancestors" in text for text in refusals), refusals


def test_criteria_and_signposts_written_marked_and_observed_by_keyboard(
    browser, server: str
) -> None:  # type: ignore[no-untyped-def]
    """Enter saves each form; the pages they lead to have no accessibility violation."""
    from axe_playwright_python.sync_playwright import Axe

    slug = "iraqi-declaration-on-attacks-against-coalition"
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, Role.EDITOR)
    page.goto(f"/recommendations/{slug}/criteria")
    page.get_by_label("Completion: What must happen").check()
    page.get_by_label("Criterion", exact=True).fill("The government declares attacks illegal.")
    page.get_by_label("Completion: What must happen").press("Enter")
    assert page.get_by_text("Criterion #1 added.").is_visible()
    page.goto(f"/recommendations/{slug}/signposts")
    page.get_by_label("Event to watch for").fill("The Prime Minister condemns a strike.")
    page.get_by_label("Towards implementation").check()
    page.get_by_label("Moderate: Clearly more often").check()
    page.get_by_label("Moderate: Clearly more often").press("Enter")
    assert page.get_by_text("Signpost #1 added.").is_visible()
    page.get_by_role("link", name="Iraqi declaration", exact=False).first.click()
    page.get_by_role("link", name="Record it observed").click()
    page.get_by_label("Observed on").fill("2021-03-02")
    page.get_by_label("What was observed").fill("He condemned the strike on Ain al-Assad.")
    page.get_by_label("Evidence link").fill("https://news.example.org/condemned")
    page.get_by_label("Title").fill("PM condemns strike")
    page.get_by_label("Publisher").fill("Example News")
    page.get_by_label("Publisher").press("Enter")
    assert page.get_by_text("Signpost #1 recorded as observed.").is_visible()
    assert page.locator("#signposts .badge.seen").inner_text().startswith("Seen 1×")
    page.goto("/?signposts=recent&as_of=2021-03-20")
    rows = page.locator("table.recommendations tbody tr")
    assert rows.count() == 1
    axe = Axe()
    found = {}
    for path in (
        f"/recommendations/{slug}",
        f"/recommendations/{slug}/updates/new",
        f"/recommendations/{slug}/criteria/1",
        f"/recommendations/{slug}/signposts/1/observe",
        f"/recommendations/{slug}/signposts/1/observations/1/retract",
    ):
        page.goto(path)
        results = axe.run(page)
        if results.violations_count:
            found[path] = [v["id"] for v in results.response["violations"]]
    assert found == {}
    context.close()


def add_forecasts(session: Session, users: dict[Role, User]) -> None:
    omar = create_user(session, "omar@example.org", "Omar", PASSWORD, Role.ANALYST, by=None)
    session.commit()
    history_and_forecasts(session, users[Role.ANALYST], omar, users[Role.EDITOR])


@pytest.fixture(scope="module")
def scored_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded app with forecasts resolved and scored (tests/forecasting.py)."""
    with serving(tmp_path_factory.mktemp("scored"), add_forecasts) as (url, _app):
        yield url


def test_the_calibration_chart_is_drawn_and_a_forecast_is_made_with_the_keyboard(
    browser, scored_server: str
) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        context = context_at(browser, scored_server, width)
        page = context.new_page()
        try:
            login(page, Role.VIEWER)
            page.goto("/forecasts")
            chart = page.locator("svg#calibration-everyone")
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, width  # fits the screen
            points = chart.locator("circle.point")
            assert points.count() == 5
            frame = chart.locator("rect").first.bounding_box()
            for index in range(5):
                dot = points.nth(index).bounding_box()
                centre = (dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
                assert frame["x"] - 1 <= centre[0] <= frame["x"] + frame["width"] + 1
                assert frame["y"] - 1 <= centre[1] <= frame["y"] + frame["height"] + 1
            texts = [text.strip() for text in chart.locator("text").all_text_contents()]
            assert {"Probability stated", "Share that came true", "0%", "50%"} - set(texts) == {
                "50%"
            }
            assert texts.count("100%") == 2 and texts.count("20%") == 2
            assert all(size >= 12 for size, _ in page.evaluate(CHART_TEXT_SIZES))
            label = chart.get_attribute("aria-labelledby")
            assert page.locator(f"#{label.split()[0]}").text_content() == (
                "Calibration of everyone's forecasts"
            )
            # Each point where its bin puts it: 97% stated, all came true; 87.5%, none did.
            placed = {}
            for index in range(5):
                dot = points.nth(index).bounding_box()
                name = points.nth(index).locator("title").text_content().split(":")[0]
                placed[name] = (
                    (dot["x"] + dot["width"] / 2 - frame["x"]) / frame["width"],
                    (frame["y"] + frame["height"] - dot["y"] - dot["height"] / 2) / frame["height"],
                )
            assert abs(placed["90-100%"][0] - 0.97) < 0.02 and abs(placed["90-100%"][1] - 1) < 0.02
            assert abs(placed["80-90%"][0] - 0.875) < 0.02 and abs(placed["80-90%"][1]) < 0.02
            chart.screenshot(path=str(ARTIFACTS / f"calibration-{width}.png"))
            shot(page, f"forecast-scores-{width}")
        finally:
            context.close()

    page = browser.new_page(base_url=scored_server)
    try:
        login(page, Role.ANALYST)
        page.goto("/recommendations/resume-anti-isis-cooperation/forecast")
        page.get_by_label("Implemented", exact=True).check()
        page.get_by_label("By", exact=True).fill(
            (dt.date.today() + dt.timedelta(days=90)).isoformat()
        )
        page.get_by_role("radio", name="An exact percentage").check()
        page.get_by_role("textbox", name="Exact percentage").fill("35")
        page.get_by_role("textbox", name="Exact percentage").press("Enter")
        page.wait_for_url(re.compile(r"/recommendations/resume-anti-isis-cooperation#forecasts$"))
        assert "Forecast recorded." in page.locator(".flashes").inner_text()
        assert page.locator("#forecasts li.forecast.state-open").first.is_visible()
    finally:
        page.close()
