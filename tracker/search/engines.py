"""One search, two engines: SQLite's FTS5 and PostgreSQL's full-text search.

What is searched: each recommendation's title, summary and passage; each status update's
assessment (its latest revision); each item of evidence's title and excerpt.

SQLite searches an FTS5 table, `search_index`, that the application keeps in step with
those rows (tracker/search/index.py says how, and why not with triggers). PostgreSQL needs
no copy: GIN indexes over the same `to_tsvector` expressions the queries use.

Both take what the user typed as words and "quoted phrases", never as query syntax, and mark
the matches in snippets with private-use characters that `highlight` turns into <mark> after
escaping the text. PostgreSQL's headlines leave out whatever looks like an HTML tag; SQLite's
show it, escaped.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

START, STOP = "\ue000", "\ue001"
KINDS = ("recommendation", "assessment", "evidence")


@dataclass(frozen=True)
class Match:
    """A row whose text matches: `target_id` is its id in the table its kind names."""

    kind: str
    target_id: int
    recommendation_id: int
    snippet: str  # the matching words between START and STOP


class SearchEngine(Protocol):
    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> list[Match]:
        """Find rows matching `query`, best first, among the recommendations given (None: all)."""
        ...


def engine_for(session: Session) -> SearchEngine:
    name = session.get_bind().dialect.name
    return PostgresSearch() if name == "postgresql" else SqliteSearch()


def highlight(snippet: str) -> Markup:
    """Escape a snippet's text and mark its matches, so that <mark> is its only markup."""
    marked = str(escape(snippet)).replace(START, "<mark>").replace(STOP, "</mark>")
    if marked.count("<mark>") != marked.count("</mark>"):
        marked = marked.replace("<mark>", "").replace("</mark>", "")
    return Markup(marked)


def terms(query: str) -> list[str]:
    """Split what the user typed into words and "quoted phrases", each a list of words."""
    found = []
    for phrase, word in re.findall(r'"([^"]*)"?|(\S+)', query):
        words = re.findall(r"\w+", phrase or word)
        if words:
            found.append(" ".join(words))
    return found


class SqliteSearch:
    """Search the FTS5 table (rowid = the row's id * 4 + its kind)."""

    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> list[Match]:
        wanted = " ".join(f'"{term}"' for term in terms(query))
        if not wanted:
            return []
        where = ""
        if recommendation_ids is not None:
            if not recommendation_ids:
                return []
            where = "AND recommendation_id IN :ids"
        statement = text(
            f"""
            SELECT rowid, recommendation_id,
                   snippet(search_index, -1, :start, :stop, '…', 24) AS snippet
            FROM search_index
            WHERE search_index MATCH :query {where}
            ORDER BY bm25(search_index), rowid
            LIMIT :limit OFFSET :offset
            """
        )
        if where:
            statement = statement.bindparams(bindparam("ids", expanding=True))
        params = {"start": START, "stop": STOP, "query": wanted, "limit": limit, "offset": offset}
        if where:
            params["ids"] = list(recommendation_ids or [])
        return [
            Match(KINDS[rowid % 4], rowid // 4, recommendation_id, snippet)
            for rowid, recommendation_id, snippet in session.execute(statement, params)
        ]


# These expressions must stay the ones the migration indexes, or the indexes go unused.
RECOMMENDATION_TEXT = "r.title || ' ' || r.summary || ' ' || r.passage"
ASSESSMENT_TEXT = "u.assessment"
EVIDENCE_TEXT = "e.title || ' ' || e.excerpt"
HEADLINE = f'StartSel="{START}", StopSel="{STOP}", MaxWords=35, MinWords=15, MaxFragments=2'


class PostgresSearch:
    """Search with `to_tsvector` over the rows themselves, served by the GIN indexes."""

    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> list[Match]:
        wanted = " ".join(f'"{term}"' for term in terms(query))
        if not wanted:
            return []
        where = ""
        if recommendation_ids is not None:
            if not recommendation_ids:
                return []
            where = "WHERE hits.recommendation_id IN :ids"
        statement = text(
            f"""
            WITH q AS (SELECT websearch_to_tsquery('english', :query) AS query)
            SELECT best.kind, best.target_id, best.recommendation_id,
                   ts_headline('english', best.body, q.query, :headline) AS snippet
            FROM (
                SELECT hits.* FROM (
                    SELECT 'recommendation' AS kind, r.id AS target_id,
                           r.id AS recommendation_id, {RECOMMENDATION_TEXT} AS body,
                           ts_rank(to_tsvector('english', {RECOMMENDATION_TEXT}), q.query) AS rank
                    FROM recommendation r, q
                    WHERE to_tsvector('english', {RECOMMENDATION_TEXT}) @@ q.query
                    UNION ALL
                    SELECT 'assessment', u.id, u.recommendation_id, {ASSESSMENT_TEXT},
                           ts_rank(to_tsvector('english', {ASSESSMENT_TEXT}), q.query)
                    FROM status_update u, q
                    WHERE to_tsvector('english', {ASSESSMENT_TEXT}) @@ q.query
                    UNION ALL
                    SELECT 'evidence', e.id, u.recommendation_id, {EVIDENCE_TEXT},
                           ts_rank(to_tsvector('english', {EVIDENCE_TEXT}), q.query)
                    FROM evidence e JOIN status_update u ON u.id = e.update_id, q
                    WHERE to_tsvector('english', {EVIDENCE_TEXT}) @@ q.query
                      AND e.withdrawn_in IS NULL
                ) AS hits
                {where}
                ORDER BY hits.rank DESC, hits.kind, hits.target_id
                LIMIT :limit OFFSET :offset
            ) AS best, q
            ORDER BY best.rank DESC, best.kind, best.target_id
            """
        )
        params: dict[str, object] = {
            "query": wanted,
            "headline": HEADLINE,
            "limit": limit,
            "offset": offset,
        }
        if where:
            statement = statement.bindparams(bindparam("ids", expanding=True))
            params["ids"] = list(recommendation_ids or [])
        return [
            Match(kind, target_id, recommendation_id, snippet)
            for kind, target_id, recommendation_id, snippet in session.execute(statement, params)
        ]
