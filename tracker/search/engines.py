"""One search, two engines: SQLite's FTS5 and PostgreSQL's full-text search.

What is searched: each recommendation's title, summary and passage; each status update's
assessment (its latest revision); each item of evidence's title, publisher and excerpt (the
evidence its update cites now: not what a correction withdrew).

SQLite searches an FTS5 table, `search_index`, that the application keeps in step with
those rows (tracker/search/index.py says how, and why not with triggers). PostgreSQL keeps
each row's vector in a generated column (`search_vector`), computed as the row is written,
that a GIN index serves and the ranking reads.

Both read what the user typed as a web search box does (`parse`): words, "quoted phrases",
OR between two of them, and a leading minus for what must not appear; never as either
engine's own query syntax. They mark the matches in snippets with private-use characters that
`highlight` turns into <mark> after escaping the text, Markdown taken out. PostgreSQL's
headlines leave out whatever looks like an HTML tag; SQLite's show it, escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ..audience import audience

START, STOP = "\ue000", "\ue001"
KINDS = ("recommendation", "assessment", "evidence")
# How many matches a search ranks and lists: the newest (highest ids) that match, of each
# kind on PostgreSQL. A search that matches more is counted as "more than" this: so a word
# found in every row costs what a word found in this many costs.
RANKED = 1_000


@dataclass(frozen=True)
class Match:
    """A row whose text matches: `target_id` is its id in the table its kind names."""

    kind: str
    target_id: int
    recommendation_id: int
    snippet: str  # the matching words between START and STOP


@dataclass(frozen=True)
class Found:
    """A page of matches, and how many match in all, up to RANKED + 1: more than RANKED
    match when it says so. A page past the last has no matches, and 0 for the total."""

    matches: list[Match]
    total: int


class SearchEngine(Protocol):
    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> Found:
        """Find rows matching `query`, best first, among the recommendations given (None: all)."""
        ...


def engine_for(session: Session) -> SearchEngine:
    name = session.get_bind().dialect.name
    return PostgresSearch() if name == "postgresql" else SqliteSearch()


def highlight(snippet: str) -> Markup:
    """Show a snippet as text, its Markdown taken out, with <mark> its only markup."""
    marked = str(escape(plain_text(snippet))).replace(START, "<mark>").replace(STOP, "</mark>")
    if marked.count("<mark>") != marked.count("</mark>"):
        marked = marked.replace("<mark>", "").replace("</mark>", "")
    return Markup(marked)


# Markdown a snippet cut out of its text may still hold: emphasis and code marks, a heading's
# or a quote's or a list item's mark at the start of a line.
LEFT_OVER_MARKS = re.compile(r"\*\*|__|~~|`+|^\s*(#{1,6}|>|[-*+]|\d+[.)])\s+", re.MULTILINE)


# Markdown as the pages render it (tracker/templating.py), raw HTML shown as text.
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


# A line with nothing Markdown or HTML reads as markup: letters and digits, spaces and plain
# punctuation (the marks of matches and the snippet's ellipsis included), not starting as a
# list item does. Most snippets are such; rendering them gives them back as they are.
PLAIN = re.compile(r"(?![ \t]*(?:-|\d+[.)]))(?:[^\W_]|[ \t.,;:'\"?!()%/…\ue000\ue001-])*")


def plain_text(markdown: str) -> str:
    """Give the words of a piece of Markdown, as a reader sees them, on one line."""
    if PLAIN.fullmatch(markdown):
        return " ".join(markdown.split())
    rendered = nh3.clean(MARKDOWN.render(markdown), tags=set())
    text_only = html.unescape(rendered)
    return " ".join(LEFT_OVER_MARKS.sub(" ", text_only).split())


@dataclass(frozen=True)
class Clause:
    """Part of a search: one of its phrases must appear, or, negated, none of them."""

    phrases: tuple[str, ...]
    negated: bool = False


TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def parse(query: str) -> list[Clause]:
    """Read a search as a web search box does.

    Words and "quoted phrases" must all appear; `OR` (in capitals) between two of them means
    either will do; a leading minus (`-targeted`, `-"no deal"`) means it must not appear.
    Anything else that is not a letter or a digit separates words.
    """
    clauses: list[Clause] = []
    either = False
    for quote_minus, quoted, minus, word in TOKEN.findall(query):
        if quoted == "" and word == "OR" and not minus:
            either = bool(clauses) and not clauses[-1].negated
            continue
        phrase = " ".join(re.findall(r"\w+", quoted or word))
        if not phrase:
            continue
        negated = bool(quote_minus or minus)
        if either and not negated:
            clauses[-1] = Clause((*clauses[-1].phrases, phrase))
        else:
            clauses.append(Clause((phrase,), negated))
        either = False
    return clauses


def terms(query: str) -> list[str]:
    """The phrases a search looks for, to mark them: those it does not exclude."""
    return [phrase for clause in parse(query) if not clause.negated for phrase in clause.phrases]


def fts5_query(query: str) -> str:
    """Write a search in FTS5's syntax, every phrase quoted; empty if it asks for nothing."""
    clauses = parse(query)
    wanted = []
    for clause in clauses:
        if not clause.negated:
            either = " OR ".join(f'"{phrase}"' for phrase in clause.phrases)
            wanted.append(f"({either})" if len(clause.phrases) > 1 else either)
    if not wanted:
        return ""
    unwanted = "".join(f' NOT "{c.phrases[0]}"' for c in clauses if c.negated)
    return " AND ".join(wanted) + unwanted


def tsquery(query: str) -> tuple[str, dict[str, str]]:
    """Write a search as a PostgreSQL tsquery expression and its parameters; empty if none."""
    params: dict[str, str] = {}

    def phrase(text_: str) -> str:
        name = f"phrase_{len(params)}"
        params[name] = text_
        return f"phraseto_tsquery('english', :{name})"

    clauses = parse(query)
    wanted = [
        "(" + " || ".join(phrase(p) for p in clause.phrases) + ")"
        for clause in clauses
        if not clause.negated
    ]
    if not wanted:
        return "", {}
    unwanted = [f"!!{phrase(clause.phrases[0])}" for clause in clauses if clause.negated]
    return " && ".join(wanted + unwanted), params


PUBLISHED = (
    "SELECT r.id FROM recommendation r JOIN source s ON s.id = r.source_id WHERE s.published"
)
APPROVED = "SELECT id FROM status_update WHERE approved_at IS NOT NULL"
APPROVED_EVIDENCE = (
    "SELECT e.id FROM evidence e JOIN status_update u ON u.id = e.update_id"
    " WHERE u.approved_at IS NOT NULL"
)


def public_clause(recommendation: str, kind: str, target: str) -> str:
    """Limit matches to what this reader sees: for the public, published and approved only."""
    seen = audience()
    if not seen.public:
        return ""
    clause = f" AND {recommendation} IN ({PUBLISHED})"
    if seen.reviewed:
        clause += (
            f" AND ({kind} = 'recommendation'"
            f" OR ({kind} = 'assessment' AND {target} IN ({APPROVED}))"
            f" OR ({kind} = 'evidence' AND {target} IN ({APPROVED_EVIDENCE})))"
        )
    return clause


# The kind and the row's id of a row of the SQLite index, from its rowid.
SQLITE_KIND = (
    "(CASE rowid % 4 WHEN 0 THEN 'recommendation' WHEN 1 THEN 'assessment' ELSE 'evidence' END)"
)


def marks(marked: str) -> str:
    """SQL counting the matches FTS5's `highlight()` marked in a column's text."""
    return f"(length({marked}) - length(replace({marked}, :start, '')))"


# How well a row of the SQLite index matches, best highest: BM25's weight of the words found
# (k1 = 1.2, b = 0.75, as FTS5's `bm25()`), the row's length in characters against the mean
# of the rows ranked. Every word weighs the same: `bm25()` weighs the rarer more, and learns
# how rare each is by reading every row that holds it, which costs a search for a common word
# more the more rows there are.
SQLITE_SCORE = "(hits * 2.2 / (hits + 1.2 * (0.25 + 0.75 * size / mean_size)))"


class SqliteSearch:
    """Search the FTS5 table (rowid = the row's id * 4 + its kind)."""

    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> Found:
        wanted = fts5_query(query)
        if not wanted or (recommendation_ids is not None and not recommendation_ids):
            return Found([], 0)
        among = "" if recommendation_ids is None else "AND recommendation_id IN :ids"
        shown = public_clause("recommendation_id", SQLITE_KIND, "rowid / 4")
        # FTS5 gives the matches newest first and stops after RANKED + 1, marking the words
        # found in only those: `bm25()` would first count every row that holds each word.
        statement = text(
            f"""
            SELECT rowid, recommendation_id, total FROM (
                SELECT rowid, recommendation_id, total,
                       row_number() OVER (
                           ORDER BY {SQLITE_SCORE} DESC, rowid
                       ) AS place
                FROM (
                    SELECT rowid, recommendation_id, size,
                           {marks("marked_title")} + {marks("marked_body")} AS hits,
                           avg(size) OVER () AS mean_size,
                           row_number() OVER (ORDER BY rowid DESC) AS age,
                           count(*) OVER () AS total
                    FROM (
                        SELECT rowid, recommendation_id,
                               highlight(search_index, 0, :start, :stop) AS marked_title,
                               highlight(search_index, 1, :start, :stop) AS marked_body,
                               max(length(title) + length(body), 1) AS size
                        FROM search_index
                        WHERE search_index MATCH :query {among}{shown}
                        ORDER BY rowid DESC
                        LIMIT :over
                    )
                )
                WHERE age <= :ranked
            )
            ORDER BY place
            LIMIT :limit OFFSET :offset
            """
        )
        params = {
            "query": wanted, "start": START, "stop": STOP, "over": RANKED + 1, "ranked": RANKED,
            "limit": limit, "offset": offset,
        }  # fmt: skip
        if among:
            statement = statement.bindparams(bindparam("ids", expanding=True))
            params["ids"] = list(recommendation_ids or [])
        found = session.execute(statement, params).all()
        if not found:
            return Found([], 0)
        rowids = [row.rowid for row in found]
        snippets = dict(
            session.execute(
                SQLITE_SNIPPETS, {"start": START, "stop": STOP, "query": wanted, "rowids": rowids}
            ).all()
        )
        return Found(
            [
                Match(
                    KINDS[row.rowid % 4], row.rowid // 4, row.recommendation_id, snippets[row.rowid]
                )
                for row in found
            ],
            found[0].total,
        )


# The snippets of the rows a page shows.
SQLITE_SNIPPETS = text(
    """
    SELECT rowid, snippet(search_index, -1, :start, :stop, '…', 24)
    FROM search_index
    WHERE search_index MATCH :query AND rowid IN :rowids
    """
).bindparams(bindparam("rowids", expanding=True))


# Each kind's text, as its stored `search_vector` column on PostgreSQL is generated from
# (migrations/versions/*_store_the_search_vectors_on_postgresql.py): the snippets quote it.
RECOMMENDATION_TEXT = "r.title || ' ' || r.summary || ' ' || r.passage"
ASSESSMENT_TEXT = "u.assessment"
EVIDENCE_TEXT = "e.title || ' ' || e.publisher || ' ' || e.excerpt"
HEADLINE = f'StartSel="{START}", StopSel="{STOP}", MaxWords=35, MinWords=15, MaxFragments=2'


class PostgresSearch:
    """Search the rows' stored `search_vector` columns, served by their GIN indexes."""

    @staticmethod
    def candidates(query_sql: str, among: bool) -> str:
        """Common table expressions that end with `candidates`: the newest RANKED + 1
        matching rows of each kind (`among`: of the recommendations `:ids`), as kind,
        target_id, recommendation_id, body and vector. More than RANKED match if more than
        RANKED are found there.

        Each kind's rows are first probed, in no order, for RANKED + 1 whose vector matches:
        PostgreSQL's GIN index finds a rare word's few, a scan stops early at a common word's
        many. When the probe finds no more than RANKED, they are all there are, and the
        candidates are read by their ids; else the newest are found by walking the ids
        backwards, which is quick where matches are many. Asked for the newest at once, the
        planner chose that walk for words its statistics did not know, and read every row to
        find none ("Search at L on PostgreSQL", benchmarks/RESULTS.md).
        """
        kinds = (  # kind, its table and alias, its recommendation, its text, joined, also
            ("recommendation", "recommendation", "r", "r.id", RECOMMENDATION_TEXT, "", ""),
            (
                "assessment", "status_update", "u", "u.recommendation_id", ASSESSMENT_TEXT,
                "", "",
            ),
            (
                "evidence", "evidence", "e", "u.recommendation_id", EVIDENCE_TEXT,
                " JOIN status_update u ON u.id = e.update_id", " AND e.withdrawn_in IS NULL",
            ),
        )  # fmt: skip

        def newest(kind: str, table: str, row: str, recommendation: str, body: str,
                   joined: str, also: str, matching: str, probed: str) -> str:  # fmt: skip
            return f"""(SELECT * FROM (
                    SELECT '{kind}' AS kind, {row}.id AS target_id,
                           {recommendation} AS recommendation_id, {body} AS body,
                           {row}.search_vector AS vector
                    FROM {table} {row}{joined}
                    WHERE {matching}{also}
                          {f"AND {recommendation} IN :ids" if among else ""}
                          {public_clause(recommendation, f"'{kind}'", f"{row}.id")}
                    ORDER BY {row}.id DESC
                    LIMIT :over
                ) AS found WHERE (SELECT count(*) FROM probe_{kind}) {probed})"""

        probes = ", ".join(
            f"""probe_{kind} AS MATERIALIZED (
                SELECT {row}.id FROM {table} {row}
                WHERE {row}.search_vector @@ ({query_sql}) LIMIT :over)"""
            for kind, table, row, *_ in kinds
        )
        found = " UNION ALL ".join(
            newest(*kind, f"{kind[2]}.id IN (SELECT id FROM probe_{kind[0]})", "<= :ranked")
            + " UNION ALL "
            + newest(*kind, f"{kind[2]}.search_vector @@ ({query_sql})", "> :ranked")
            for kind in kinds
        )
        return f"{probes}, candidates AS ({found})"

    def matches(
        self,
        session: Session,
        query: str,
        recommendation_ids: Collection[int] | None,
        limit: int,
        offset: int,
    ) -> Found:
        query_sql, params = tsquery(query)
        if not query_sql or (recommendation_ids is not None and not recommendation_ids):
            return Found([], 0)
        among = recommendation_ids is not None
        statement = text(
            f"""
            WITH {self.candidates(query_sql, among)},
            aged AS (
                SELECT candidates.*,
                       row_number() OVER (PARTITION BY kind ORDER BY target_id DESC) AS age,
                       count(*) OVER () AS total
                FROM candidates
            ), placed AS (
                SELECT aged.*,
                       row_number() OVER (
                           ORDER BY ts_rank(vector, ({query_sql})) DESC,
                                    kind, target_id
                       ) AS place
                FROM aged
                WHERE age <= :ranked
            ), shown AS (
                SELECT * FROM placed
                WHERE place <= :ranked
                ORDER BY place
                LIMIT :limit OFFSET :offset
            )
            SELECT kind, target_id, recommendation_id, total,
                   ts_headline('english', body, ({query_sql}), :headline) AS snippet
            FROM shown
            ORDER BY place
            """
        )
        values: dict[str, object] = {
            **params,
            "headline": HEADLINE,
            "over": RANKED + 1,
            "ranked": RANKED,
            "limit": limit,
            "offset": offset,
        }
        if among:
            statement = statement.bindparams(bindparam("ids", expanding=True))
            values["ids"] = list(recommendation_ids or [])
        found = session.execute(statement, values).all()
        return Found(
            [Match(row.kind, row.target_id, row.recommendation_id, row.snippet) for row in found],
            found[0].total if found else 0,
        )
