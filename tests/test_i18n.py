"""English and Arabic: complete catalogues, the reader's language, right to left, local dates."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.db import get_engine
from tracker.i18n import TRANSLATIONS
from tracker.models import Actor, AuditEvent, Recommendation, Source, Theme, User
from tracker.vocabulary import Role

from .conftest import empty_database
from .helpers import SLUG, evidence_row, update_form

ROOT = Path(__file__).parents[1]
NOTO_ARABIC = Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf")


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every string of the templates and the Python code, as `make translations` extracts it."""
    template = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "extract"),
            *("-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "lazy_pgettext:1c,2"),
            *("-o", str(template), "."),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as po_file:
        strings = {message.id for message in read_po(po_file) if message.id}
    return {string[0] if isinstance(string, tuple) else string for string in strings}


def ids(language: str) -> set[str]:
    found = (message.id for message in catalogue(language) if message.id)
    return {string[0] if isinstance(string, tuple) else string for string in found}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_string_of_the_interface_is_in_the_catalogue(
    extracted: set[str], language: str
) -> None:
    missing = sorted(extracted - ids(language))
    assert not missing, f"run `make translations` and translate: {missing[:10]}"
    assert len(extracted) > 500  # the extraction saw the templates and the Python code


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    found = catalogue(language)
    untranslated = [
        message.id
        for message in found
        if message.id
        and not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    fuzzy = [message.id for message in found if message.id and message.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    # Placeholders are those of the English (a mistyped one would fail at run time).
    problems = [(message.id, errors) for message, errors in found.check()]
    assert not problems, problems[:5]


def test_the_arabic_catalogue_has_six_plural_forms() -> None:
    assert catalogue("ar").num_plurals == 6


def test_a_template_string_missing_from_the_catalogue_is_seen(
    extracted: set[str], tmp_path: Path
) -> None:
    """The check above compares with a fresh extraction, so a new `_()` string shows in it."""
    assert "Status dashboard" in extracted  # a template's
    assert "Not yet assessed" in extracted  # the vocabulary's (N_)
    assert "Welcome, %(name)s." in extracted  # a flash message
    assert "Enter the date the status holds as of." in extracted  # a field rule (lazy)


def test_the_browser_s_language_is_the_default(client: FlaskClient, analyst: User) -> None:
    response = client.get("/", headers={"Accept-Language": "ar,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "لوحة متابعة الحالات" in page
    assert "Accept-Language" in response.headers.get("Vary", "")
    # Statuses, charts' text and plurals are Arabic too.
    assert "لم تُقيَّم بعد" in page
    assert "15 توصية" in page
    english = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    assert "Status dashboard" in english


def test_a_logged_in_user_s_choice_is_kept_with_the_account(
    client: FlaskClient, db: Session, analyst: User
) -> None:
    response = client.post(
        "/account/language", data={"language": "ar", "next": f"/recommendations/{SLUG}"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/recommendations/{SLUG}"
    db.rollback()  # see what the request committed
    assert db.scalar(select(User.language).where(User.id == analyst.id)) == "ar"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.language")).one()
    assert event.after == {"language": "ar"}
    # Whatever the browser says, the choice holds; the switcher marks it.
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert re.search(r'value="ar" lang="ar"[^>]*aria-current="true"', page)
    # A language not offered is refused; an address elsewhere is not followed.
    assert client.post("/account/language", data={"language": "fr"}).status_code == 400
    away = client.post(
        "/account/language", data={"language": "en", "next": "https://evil.example/"}
    )
    assert away.headers["Location"] == "/"


def test_an_anonymous_reader_chooses_in_the_address(client: FlaskClient) -> None:
    page = client.get("/login?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page
    # The switcher offers the other language on the same page, and links keep the choice.
    assert 'href="/login?lang=en"' in page
    assert 'href="/?lang=ar"' in page
    # An unknown language falls back to the browser's, then English.
    assert '<html lang="en"' in client.get("/login?lang=xx").get_data(as_text=True)


def test_dates_and_numbers_follow_the_language(client: FlaskClient, analyst: User) -> None:
    arabic = client.get(f"/recommendations/{SLUG}?lang=ar").get_data(as_text=True)
    assert "يناير 2020" in arabic  # the source's publication, known to the month
    english = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert "January 2020" in english


def test_the_passage_stays_in_the_source_s_language_and_says_so(
    client: FlaskClient, analyst: User
) -> None:
    page = client.get(f"/recommendations/{SLUG}?lang=ar").get_data(as_text=True)
    assert '<figure class="passage" lang="en" dir="ltr">' in page
    assert "كلمات المصدر نفسه، بنصّها الحرفي باللغة الإنجليزية." in page
    english = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert "verbatim in" not in english


def test_form_errors_are_in_the_reader_s_language(client: FlaskClient, analyst: User) -> None:
    page = client.post(
        f"/recommendations/{SLUG}/updates/new?lang=ar", data={}, follow_redirects=True
    ).get_data(as_text=True)
    assert "هناك مشكلة" in page
    assert "اختر حالة." in page


ARABIC_ASSESSMENT = "استأنفت بغداد التعاون الأمني مع التحالف بعد توقف دام أشهراً."
ARABIC_EXCERPT = "وقّعت الوزارة مذكرة التفاهم مع أربيل أخيراً."


def test_search_finds_arabic_words(
    client: FlaskClient,
    runner,
    analyst: User,  # type: ignore[no-untyped-def]
) -> None:
    """On SQLite (FTS5, unicode61) and PostgreSQL (to_tsvector) alike."""
    assert runner.invoke(args=["reindex"]).exit_code == 0
    response = client.post(
        f"/recommendations/{SLUG}/updates/new",
        data=update_form(evidence_row(0, excerpt=ARABIC_EXCERPT), assessment=ARABIC_ASSESSMENT),
    )
    assert response.status_code == 302
    for word in ("التحالف", "مذكرة", '"التعاون الأمني"'):
        page = client.get("/search", query_string={"q": word, "lang": "ar"}).get_data(as_text=True)
        assert f'href="/recommendations/{SLUG}?lang=ar#update-' in page, word
        assert "<mark>" in page
    nothing = client.get("/search", query_string={"q": "طائرة"}).get_data(as_text=True)
    assert "Nothing matches" in nothing


SOURCE = "mei-2020-real-cost-us-iran-escalation-iraq"
TITLE_AR = "استئناف التعاون في مكافحة داعش"
SUMMARY_AR = "على بغداد وواشنطن استئناف التعاون الأمني."


def translate_recommendation(client: FlaskClient, db: Session) -> Recommendation:
    """An editor adds the Arabic title and summary through the edit form."""
    recommendation = db.scalars(
        select(Recommendation)
        .where(Recommendation.slug == SLUG)
        .options(selectinload(Recommendation.actors))
    ).one()
    form = client.get(f"/recommendations/{SLUG}/edit").get_data(as_text=True)
    assert 'name="title_ar"' in form and 'name="summary_ar"' in form
    assert 'name="title_en"' not in form  # not into its own language
    data = {
        "version": str(recommendation.version),
        "title": recommendation.title,
        "summary": recommendation.summary,
        "passage": recommendation.passage,
        "theme": str(recommendation.theme_id),
        "actors": [str(actor.id) for actor in recommendation.actors],
        "condition": recommendation.condition or "",
        "title_ar": TITLE_AR,
        "summary_ar": SUMMARY_AR,
    }
    response = client.post(f"/recommendations/{SLUG}/edit", data=data)
    assert response.status_code == 302
    db.rollback()  # see what the request committed
    return db.scalars(select(Recommendation).where(Recommendation.slug == SLUG)).one()


def test_a_recommendation_s_translation_is_versioned_audited_and_shown(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    recommendation = translate_recommendation(client, db)
    assert recommendation.translations == {"ar": {"title": TITLE_AR, "summary": SUMMARY_AR}}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "recommendation.edit")).one()
    assert event.after["title:ar"] == TITLE_AR
    history = client.get(f"/recommendations/{SLUG}/history").get_data(as_text=True)
    assert "Title (ar)" in history and TITLE_AR in history
    # An Arabic reader sees the translation, marked Arabic; the passage stays English.
    arabic = client.get(f"/recommendations/{SLUG}?lang=ar").get_data(as_text=True)
    assert f"<h1>{TITLE_AR}</h1>" in arabic
    assert SUMMARY_AR in arabic
    assert html.escape(recommendation.passage, quote=False) in arabic
    dashboard = client.get("/?lang=ar").get_data(as_text=True)
    assert TITLE_AR in dashboard
    # An English reader sees the original.
    english = client.get(f"/recommendations/{SLUG}").get_data(as_text=True)
    assert TITLE_AR not in english
    assert f"<h1>{html.escape(recommendation.title, quote=False)}</h1>" in english
    # On the Arabic edit form, the English words are typed left to right, marked English.
    arabic_form = client.get(f"/recommendations/{SLUG}/edit?lang=ar").get_data(as_text=True)
    assert re.search(r'<textarea[^>]* dir="ltr" id="passage" lang="en"', arabic_form)
    assert re.search(r'<input dir="rtl" id="title_ar" lang="ar"', arabic_form)
    # The API and the export carry both.
    api = client.get(f"/api/v1/recommendations/{SLUG}").json
    assert api["language"] == "en"
    assert api["translations"] == {"ar": {"summary": SUMMARY_AR, "title": TITLE_AR}}


def test_translations_travel_in_the_json_export_and_back(
    app: Flask, client: FlaskClient, db: Session, make_user, auth, runner, tmp_path: Path
) -> None:
    auth.login(make_user(Role.EDITOR))
    translate_recommendation(client, db)
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export", "--output", str(first)]).exit_code == 0
    exported = first.read_text(encoding="utf-8")
    assert f'"title": "{TITLE_AR}"' in exported  # UTF-8, not escaped
    assert '"language": "en"' in exported
    # A file whose translation names a language Tracker does not speak is refused, saying where.
    broken = tmp_path / "broken.json"
    broken.write_text(exported.replace('"ar": {', '"xx": {', 1), encoding="utf-8")
    db.close()
    empty_database(get_engine(app))
    refused = runner.invoke(args=["import", str(broken)])
    assert refused.exit_code == 1
    assert ".translations.xx: Expected one of en, ar." in refused.output
    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export"]).stdout == exported


def test_an_arabic_pdf_report_card_is_set_in_noto_right_to_left(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    pytest.importorskip("weasyprint")
    if not NOTO_ARABIC.exists():
        pytest.skip("Debian's fonts-noto-core is not installed: apt-get install fonts-noto-core")
    import pypdfium2
    from pypdf import PdfReader

    auth.login(make_user(Role.EDITOR))
    translate_recommendation(client, db)
    response = client.get(f"/sources/{SOURCE}/report?format=pdf&lang=ar")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    for words in ("بطاقة التقييم", "لم تُقيَّم بعد", TITLE_AR):
        assert words in text, words
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("NotoSansArabic" in font.replace("-", "") for font in fonts), fonts
    # Right to left: lines of text end at the right margin and start wherever they stop.
    image = pypdfium2.PdfDocument(response.data)[0].render(scale=100 / 72).to_pil()
    grey = image.convert("L")
    width, height = grey.size
    pixels = grey.tobytes()
    lines: list[tuple[int, int]] = []  # each line of text: its leftmost and rightmost ink
    previous = False
    for y in range(height):
        row = pixels[y * width : (y + 1) * width]
        inked = [x for x in range(0, width, 2) if row[x] < 128]
        if inked and previous:
            left, right = lines[-1]
            lines[-1] = (min(left, inked[0]), max(right, inked[-1]))
        elif inked:
            lines.append((inked[0], inked[-1]))
        previous = bool(inked)
    assert len(lines) > 15, "the page is nearly empty"
    margin = max(right for _, right in lines)
    assert margin > width * 0.85  # text reaches the right margin
    aligned = [left for left, right in lines if right > margin - width * 0.02]
    assert len(aligned) > len(lines) * 0.7, lines  # most lines end there
    lefts = sorted(aligned)
    assert lefts[len(lefts) // 2] > width * 0.15  # and most start far from the left


ARABIC_TEXT = "ينبغي لبغداد أن تفتح قناة دائمة مع حكومة إقليم كردستان بشأن الإيرادات."


def test_a_source_in_arabic_keeps_its_words_and_carries_an_english_title(
    client: FlaskClient, db: Session, make_user, auth
) -> None:
    auth.login(make_user(Role.EDITOR))
    assert 'name="language"' in client.get("/sources/new").get_data(as_text=True)
    response = client.post(
        "/sources/new",
        data={
            "title": "العراق بعد الاحتجاجات",
            "slug": "iraq-after-the-protests-ar",
            "language": "ar",
            "title_en": "Iraq after the protests",
            "kind": "report",
            "author": "باحث",
            "publisher": "معهد",
            "url": "https://example.org/ar",
            "published_on": "2021-03-01",
            "date_precision": "month",
            "text": ARABIC_TEXT,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    theme = db.scalars(select(Theme.id).where(Theme.slug == "political-transition")).one()
    actor = db.scalars(select(Actor.id).where(Actor.slug == "government-of-iraq")).one()
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="title_en"' in form and 'name="title_ar"' not in form
    response = client.post(
        response.headers["Location"],
        data={
            "title": "قناة للإيرادات مع الإقليم",
            "slug": "krg-revenue-channel",
            "summary": "قناة دائمة بين بغداد وأربيل.",
            "title_en": "A revenue channel with the KRG",
            "passage": ARABIC_TEXT,
            "theme": str(theme),
            "actors": [str(actor)],
            "save": "Add recommendation",
        },
    )
    assert response.status_code == 302
    db.rollback()
    source = db.scalars(select(Source).where(Source.slug == "iraq-after-the-protests-ar")).one()
    assert source.language == "ar"
    assert source.translations == {"en": {"title": "Iraq after the protests"}}
    # An English reader gets the English titles, marked; the passage stays Arabic, and says so.
    page = client.get("/recommendations/krg-revenue-channel").get_data(as_text=True)
    assert "<h1>A revenue channel with the KRG</h1>" in page
    assert '<figure class="passage" lang="ar" dir="rtl">' in page
    assert f"{ARABIC_TEXT}</blockquote>" in page
    assert "The source's own words, verbatim in Arabic." in page
    # No English summary: the original, marked Arabic.
    assert '<p class="summary" lang="ar" dir="rtl">قناة دائمة بين بغداد وأربيل.</p>' in page
    arabic = client.get("/recommendations/krg-revenue-channel?lang=ar").get_data(as_text=True)
    assert "<h1>قناة للإيرادات مع الإقليم</h1>" in arabic
    assert "verbatim" not in arabic and "بنصّها الحرفي" not in arabic


def test_an_arabic_word_report_card_reads_right_to_left(client: FlaskClient, analyst: User) -> None:
    from docx import Document

    response = client.get(f"/sources/{SOURCE}/report?format=docx&lang=ar")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    assert document.paragraphs[0].text.startswith("بطاقة التقييم: ")
    xml = document.element.xml
    assert xml.count("<w:bidi/>") >= len(document.paragraphs)
    assert "<w:bidiVisual/>" in xml
    english = Document(io.BytesIO(client.get(f"/sources/{SOURCE}/report?format=docx").data))
    assert "<w:bidi/>" not in english.element.xml


def test_how_long_ago_is_said_in_each_language(app: Flask) -> None:
    import datetime as dt

    from tracker.templating import days_since

    today = dt.date(2026, 12, 1)
    long_ago = today - dt.timedelta(days=1234)
    with app.test_request_context("/"):
        assert days_since(long_ago, today) == "1,234 days ago"
        assert days_since(today - dt.timedelta(days=1), today) == "1 day ago"
    with app.test_request_context("/?lang=ar"):
        assert days_since(long_ago, today) == "قبل 1,234 يوماً"  # Arabic's "many" form
        assert days_since(today - dt.timedelta(days=2), today) == "قبل يومين"  # its dual
        assert days_since(today - dt.timedelta(days=5), today) == "قبل 5 أيام"
        assert days_since(None) == "أبداً"


def test_a_forced_language_holds_inside_and_the_readers_comes_back(app: Flask) -> None:
    """The language kept for a request gives way to one forced (an e-mail in its reader's
    language), and comes back after it."""
    import datetime as dt

    from tracker.i18n import forced_language, language, local_date
    from tracker.vocabulary import Status

    day = dt.date(2020, 1, 15)
    with app.test_request_context("/?lang=ar"):
        assert language() == "ar"
        arabic = (Status.IMPLEMENTED.label, local_date(day))
        assert arabic[0] != "Implemented" and arabic[1] == "15 يناير 2020"
        with forced_language("en"):
            assert language() == "en"
            assert (Status.IMPLEMENTED.label, local_date(day)) == ("Implemented", "2020-01-15")
        assert language() == "ar"
        assert (Status.IMPLEMENTED.label, local_date(day)) == arabic
