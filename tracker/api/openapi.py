"""The OpenAPI 3 description of the read API; tests/test_api.py checks the API against it."""

from __future__ import annotations

from typing import Any

from ..vocabulary import Confidence, Credibility, Reliability, Stance, Status, TargetOrigin
from .paging import BAD_CURSOR, MAX_CURSOR

TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
DATE = {"type": "string", "format": "date"}
LINK = {"type": "string", "format": "uri", "description": "An absolute address."}
# Text in a query: any but NUL, which every request refuses (400).
QUERY_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def values(vocabulary: Any) -> list[str]:
    return [member.value for member in vocabulary]


def obj(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


SLUG_NAME = obj({"slug": TEXT, "name": TEXT})
LANGUAGE = {"type": "string", "description": "The language it is written in (BCP 47: en, ar)."}


def translations(*fields: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": 'Translations by language, e.g. {"ar": {"title": "..."}}; the '
        "passage is never translated.",
        "additionalProperties": obj({field: TEXT for field in fields}, optional=fields),
    }


SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({"status": {"type": "integer"}, "message": TEXT})}),
    "Source": obj(
        {
            "slug": TEXT,
            "kind": {"type": "string", "enum": ["article", "report", "paper", "other"]},
            "title": TEXT,
            "author": TEXT,
            "publisher": TEXT,
            "link": {"type": "string", "description": "Where the source is published."},
            "published_on": DATE,
            "date_precision": {"type": "string", "enum": ["day", "month", "year"]},
            "published": {"type": "boolean", "description": "Shown on the public site."},
            "language": LANGUAGE,
            "translations": translations("title"),
            "recommendation_count": {"type": "integer", "minimum": 0},
            "url": LINK,
            "recommendations_url": LINK,
            "page": {**LINK, "description": "The source's page in Tracker, for people."},
        }
    ),
    "SourceWithRecommendations": {
        "allOf": [
            ref("Source"),
            obj(
                {
                    "recommendations": {
                        "type": "array",
                        "items": obj(
                            {
                                "slug": TEXT,
                                "position": {"type": "integer"},
                                "title": TEXT,
                                "url": LINK,
                            }
                        ),
                    }
                }
            ),
        ]
    },
    "Recommendation": obj(
        {
            "slug": TEXT,
            "position": {"type": "integer"},
            "title": TEXT,
            "summary": TEXT,
            "passage": TEXT,
            "condition": NULLABLE_TEXT,
            "language": LANGUAGE,
            "translations": translations("title", "summary"),
            "source": obj({"slug": TEXT, "title": TEXT}),
            "theme": SLUG_NAME,
            "actors": {"type": "array", "items": SLUG_NAME},
            "status": obj({"value": {"type": "string", "enum": values(Status)}, "label": TEXT}),
            "as_of": {**DATE, "nullable": True, "description": "The current status holds as of."},
            "last_logged_at": {**TIME, "nullable": True},
            "target_date": {**DATE, "nullable": True, "description": "The target in force."},
            "overdue": {
                "type": "boolean",
                "description": "Past its target date and not implemented.",
            },
            "regressed": {
                "type": "boolean",
                "description": "Held Implemented or Partially implemented and lost it.",
            },
            "owner": {**obj({"name": TEXT}), "nullable": True},
            "co_owners": {"type": "array", "items": obj({"name": TEXT})},
            "review_every_days": {
                "type": "integer",
                "nullable": True,
                "description": "Its own review cadence; null follows the site's.",
            },
            "due_for_review": {"type": "boolean"},
            "review_due_on": {
                **DATE,
                "nullable": True,
                "description": "Null when it was never assessed nor reviewed: due now.",
            },
            "url": LINK,
            "updates_url": LINK,
            "targets_url": LINK,
            "page": {**LINK, "description": "The recommendation's page in Tracker, for people."},
        }
    ),
    "Evidence": obj(
        {
            "link": TEXT,
            "title": TEXT,
            "publisher": TEXT,
            "published_on": {**DATE, "nullable": True},
            "excerpt": TEXT,
            "stance": {"type": "string", "enum": values(Stance)},
            "reliability": {"type": "string", "enum": values(Reliability)},
            "credibility": {"type": "string", "enum": values(Credibility)},
            "grade": {"type": "string", "pattern": "^[A-F][1-6]$"},
        }
    ),
    "StatusUpdate": obj(
        {
            "id": {"type": "integer"},
            "status": obj(
                {"value": {"type": "string", "enum": values(Status.recordable())}, "label": TEXT}
            ),
            "as_of": DATE,
            "confidence": {"type": "string", "enum": values(Confidence)},
            "assessment": {"type": "string", "description": "Markdown."},
            "author": {**obj({"name": TEXT}), "nullable": True},
            "logged_at": TIME,
            "revision": {"type": "integer", "minimum": 1},
            "approved_at": {
                **TIME,
                "nullable": True,
                "description": "When an editor approved it for the public; null: awaiting review.",
            },
            "corrected_at": {**TIME, "nullable": True},
            "retracted_at": {**TIME, "nullable": True},
            "retraction_reason": NULLABLE_TEXT,
            "change_reason": {
                **NULLABLE_TEXT,
                "description": "Why the status moved backwards or jumped more than two steps.",
            },
            "evidence": {"type": "array", "items": ref("Evidence"), "minItems": 1},
        }
    ),
    "TargetDate": obj(
        {
            "number": {"type": "integer", "minimum": 1, "description": "1 is the original."},
            "target": DATE,
            "origin": {"type": "string", "enum": values(TargetOrigin)},
            "detail": NULLABLE_TEXT,
            "reason": {**NULLABLE_TEXT, "description": "Why it changed; null for the original."},
            "author": {**obj({"name": TEXT}), "nullable": True},
            "set_at": TIME,
        }
    ),
    "Named": obj({"slug": TEXT, "name": TEXT, "recommendations_url": LINK}),
    "Index": obj(
        {
            "description": TEXT,
            "openapi": LINK,
            "tokens": {**LINK, "description": "Where an account makes its API tokens."},
            "resources": obj(
                {name: LINK for name in ("sources", "recommendations", "actors", "themes")}
                | {"search": {**LINK, "description": "Add the words to find after q=."}}
            ),
            "feeds": obj({"updates": LINK}),
        }
    ),
    "SearchHit": obj(
        {
            "kind": {"type": "string", "enum": ["recommendation", "assessment", "evidence"]},
            "recommendation": obj({"slug": TEXT, "title": TEXT, "url": LINK}),
            "status": {
                "type": "string",
                "enum": values(Status),
                "description": "The recommendation's current status.",
            },
            "update_id": {"type": "integer", "nullable": True},
            "snippet": {
                "type": "string",
                "description": "Escaped HTML whose only markup is <mark> around the matches.",
            },
        }
    ),
}

PARAMETERS: dict[str, Any] = {
    "limit": {
        "name": "limit",
        "in": "query",
        "description": "How many items a page holds.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
    "cursor": {
        "name": "cursor",
        "in": "query",
        "description": (
            "Where the previous page stopped: copy it from that page's `next` link. It is "
            "opaque: a cursor this API did not give (made up, altered, or from another list) "
            f"is unknown, and gets 400 with the message “{BAD_CURSOR}”"
        ),
        "schema": {**QUERY_TEXT, "maxLength": MAX_CURSOR},
    },
    "source": {
        "name": "source",
        "in": "query",
        "description": "A source's slug.",
        "schema": QUERY_TEXT,
    },
    "theme": {
        "name": "theme",
        "in": "query",
        "description": "A theme's slug.",
        "schema": QUERY_TEXT,
    },
    "actor": {
        "name": "actor",
        "in": "query",
        "description": "An actor's slug.",
        "schema": QUERY_TEXT,
    },
    "status": {
        "name": "status",
        "in": "query",
        "description": "The current status.",
        "schema": {"type": "string", "enum": values(Status)},
    },
    "source_slug": {"name": "source_slug", "in": "path", "required": True, "schema": TEXT},
    "slug": {"name": "slug", "in": "path", "required": True, "schema": TEXT},
    "q": {
        "name": "q",
        "in": "query",
        "required": True,
        "description": (
            "What to find, as in a web search box: words and “quoted phrases” must all "
            "appear, OR between two means either, a leading minus leaves out what has it."
        ),
        "schema": {**QUERY_TEXT, "maxLength": 500},
    },
}


def param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


ERRORS = {
    "401": error("No session and no valid API token."),
    "403": error("The account's role may not read this."),
}


def found(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"ETag": {"schema": TEXT, "description": "Send it back in If-None-Match."}},
        "content": {"application/json": {"schema": schema}},
    }


def page_of(name: str) -> dict[str, Any]:
    return obj(
        {
            "items": {"type": "array", "items": ref(name)},
            "next": {
                **NULLABLE_TEXT,
                "format": "uri",
                "description": "The next page (an absolute address), or null on the last.",
            },
        }
    )


def get(
    summary: str,
    schema: dict[str, Any],
    parameters: list[str],
    *,
    paged: bool = False,
    missing: str | None = None,
) -> dict[str, Any]:
    names = [*parameters, *(["limit", "cursor"] if paged else [])]
    responses = {
        "200": found(schema, summary),
        "304": {"description": "Not modified: the copy named by If-None-Match is current."},
        **ERRORS,
    }
    if paged:
        responses["400"] = error(
            "A parameter is not valid, or the cursor is unknown: not one this API gave."
        )
    elif names:
        responses["400"] = error("A parameter is not valid.")
    if missing:
        responses["404"] = error(missing)
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if names:
        operation["parameters"] = [param(name) for name in names]
    return {"get": operation}


FILTERS = ["source", "theme", "actor", "status"]


def document(base: str, cookie: str = "session") -> dict[str, Any]:
    """Describe the API served under `base`, whose browser session is in the cookie named so."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tracker read API",
            "version": "1",
            "description": (
                "Read policy recommendations, where each stands, and the evidenced history "
                "behind it. Authenticate with the browser's session or a personal token made "
                "at /account/tokens, sent as `Authorization: Bearer <token>`. Lists come in "
                "pages: follow `next` until it is null. Responses carry an ETag; send it back "
                "in If-None-Match to get 304 when nothing changed."
            ),
        },
        "servers": [{"url": base}],
        "security": [{"bearerToken": []}, {"session": []}],
        "paths": {
            "/": get("Links to every resource, this document and the feeds.", ref("Index"), []),
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "responses": {
                        "200": {"description": "OpenAPI 3", "content": {"application/json": {}}},
                        "304": {"description": "Not modified."},
                        **ERRORS,
                    },
                }
            },
            "/sources": get("Sources, by slug.", page_of("Source"), [], paged=True),
            "/sources/{source_slug}": get(
                "A source and its recommendations.",
                ref("SourceWithRecommendations"),
                ["source_slug"],
                missing="No source has this slug.",
            ),
            "/recommendations": get(
                "Recommendations with their current status, in the dashboard's order.",
                page_of("Recommendation"),
                FILTERS,
                paged=True,
            ),
            "/recommendations/{slug}": get(
                "A recommendation with its current status.",
                ref("Recommendation"),
                ["slug"],
                missing="No recommendation has this slug.",
            ),
            "/recommendations/{slug}/updates": get(
                "A recommendation's status updates, latest as-of date first, with evidence.",
                page_of("StatusUpdate"),
                ["slug"],
                paged=True,
                missing="No recommendation has this slug.",
            ),
            "/recommendations/{slug}/targets": get(
                "A recommendation's target dates as set and changed, the original first.",
                page_of("TargetDate"),
                ["slug"],
                paged=True,
                missing="No recommendation has this slug.",
            ),
            "/actors": get(
                "Whom recommendations address, by slug.", page_of("Named"), [], paged=True
            ),
            "/themes": get("Themes, by slug.", page_of("Named"), [], paged=True),
            "/search": get(
                "Recommendations, assessments and evidence matching words, best first.",
                page_of("SearchHit"),
                ["q", *FILTERS],
                paged=True,
            ),
        },
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": cookie},
            },
        },
    }
