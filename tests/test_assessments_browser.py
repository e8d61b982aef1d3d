"""A blind review in Chromium: the forms submitted empty and with Enter, the page before and
after submitting, the spread and the consensus form, at desktop and phone widths, with no
accessibility violation axe finds."""

from __future__ import annotations

import os
from pathlib import Path

from tracker.vocabulary import Role

from .helpers import SLUG
from .test_browser import browser, expect_refused, login, page, server  # noqa: F401  (fixtures)

SHOTS = Path(os.environ.get("TRACKER_SHOTS", "/tmp/blind-review-shots"))


def both_widths(tab, name: str) -> None:  # type: ignore[no-untyped-def]
    """Take the page at both widths, and hold it to axe's rules."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    assert results.violations_count == 0, [
        (v["id"], [node["html"][:200] for node in v["nodes"]][:2])
        for v in results.response["violations"]
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        tab.set_viewport_size({"width": width, "height": height})
        tab.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        # Nothing wider than the screen: a phone never scrolls sideways.
        assert tab.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    tab.set_viewport_size({"width": 1280, "height": 900})


def switch(tab, role: Role) -> None:  # type: ignore[no-untyped-def]
    tab.get_by_role("button", name="Log out").click()
    login(tab, role)


def test_a_blind_review_from_opening_to_consensus(page) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    login(page, Role.EDITOR)
    page.goto(f"/recommendations/{SLUG}")
    page.get_by_role("link", name="Open a blind review").click()
    page.get_by_label("Judge the status as of").fill("")
    page.get_by_role("button", name="Open the blind review").click()
    expect_refused(page)
    assert page.get_by_text("Enter the date the status is judged as of.").first.is_visible()
    both_widths(page, "01-open-refused")
    page.get_by_label("Judge the status as of").fill("2021-06-01")
    page.get_by_label("Judge the status as of").press("Enter")
    assert page.get_by_text("Blind review opened").is_visible()
    review = page.url

    switch(page, Role.ANALYST)
    page.goto(review)
    assert page.get_by_text("Hidden until you submit yours").is_visible()
    both_widths(page, "02-review-before-submitting")
    page.get_by_role("button", name="Submit my assessment").click()  # empty
    expect_refused(page)
    assert page.get_by_text("Give your reasons.").first.is_visible()
    both_widths(page, "03-assessment-refused")
    page.get_by_label("Stalled").check()
    page.get_by_label("High").check()
    page.get_by_label("Rationale").fill("Cooperation was **suspended** after the strikes.")
    page.get_by_label("Evidence link").fill("www.reuters.com/world/suspended")
    page.get_by_label("Evidence title").fill("Reuters, 5 January 2020")
    page.get_by_label("Evidence title").press("Enter")
    assert page.get_by_text("Your assessment is submitted").is_visible()
    assert page.get_by_text("https:// was added in front of").is_visible()
    both_widths(page, "04-review-after-submitting")

    switch(page, Role.EDITOR)
    page.goto(review)
    assert page.locator("#review-progress").inner_text() == "1 submitted"
    assert page.get_by_text("suspended").count() == 0  # editors see progress only
    page.get_by_label("In progress").check()
    page.get_by_label("Low").check()
    page.get_by_label("Rationale").fill("Joint patrols resumed quietly.")
    page.get_by_role("button", name="Submit my assessment").click()
    assert page.get_by_text("2 statuses among 2 assessments").is_visible()
    page.get_by_role("button", name="End the submissions").click()
    assert page.get_by_text("Submissions ended").first.is_visible()
    both_widths(page, "05-spread")

    page.get_by_role("link", name="Record the consensus").click()
    page.get_by_label("Assessment", exact=True).fill("")
    page.locator("#evidence-0-title").press("Enter")  # Enter saves; the form is empty
    expect_refused(page)
    both_widths(page, "06-consensus-refused")
    page.get_by_label("Stalled").check()
    page.get_by_label("Assessment", exact=True).fill("Settled: stalled since the strikes.")
    page.get_by_label("Moderate").check()
    page.locator("#evidence-0-url").fill("https://www.reuters.com/world/suspended")
    page.locator("#evidence-0-title").fill("Suspended")
    page.locator("#evidence-0-publisher").fill("Reuters")
    page.locator("#evidence-0-excerpt").fill("Cooperation was suspended.")
    page.locator("#evidence-0-title").press("Enter")
    assert page.get_by_text("Consensus recorded").is_visible()
    assert page.get_by_text("it settles 2 independent assessments").is_visible()
    both_widths(page, "07-timeline-with-consensus")
