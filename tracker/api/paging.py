"""Cursor pagination: an opaque cursor names where the previous page stopped."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import abort, request, url_for

from ..views import query_args

Item = TypeVar("Item")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
BAD_CURSOR = "The cursor is not one this API gave: start again without it."
# Longer than any cursor this API gives; a longer one is refused before it is decoded.
MAX_CURSOR = 1_000
# How far into a list ordered by relevance a cursor may point.
MAX_OFFSET = 1_000_000


def limit_from_query() -> int:
    value = request.args.get("limit", str(DEFAULT_LIMIT))
    # ASCII digits only: "²".isdigit() holds, but int("²") fails.
    if (
        not (value.isascii() and value.isdigit() and len(value) <= 3)
        or not 1 <= int(value) <= MAX_LIMIT
    ):
        abort(400, description=f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


def encode(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    """Read a cursor this API gave; any other gets a 400 saying so (see the OpenAPI document)."""
    position = None
    if len(cursor) <= MAX_CURSOR:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            position = json.loads(raw)
        except (binascii.Error, ValueError, RecursionError):
            position = None
    if not isinstance(position, dict):
        abort(400, description=BAD_CURSOR)
    return position


def cursor_from_query() -> dict[str, Any] | None:
    cursor = request.args.get("cursor")
    return decode(cursor) if cursor else None


def next_link(endpoint: str, position: dict[str, Any], **values: Any) -> str:
    """Link to the next page: the same query with the cursor moved on."""
    return url_for(endpoint, **values, **query_args(cursor=encode(position)), _external=True)


def keyset_page(
    items: Sequence[Item], key: Callable[[Item], list[Any]], endpoint: str, **values: Any
) -> tuple[list[Item], str | None]:
    """Take a page of `items`, which are in ascending order of `key`, after the cursor's key."""

    def fetch(after: list[Any] | None, limit: int) -> list[Item]:
        try:
            return [item for item in items if after is None or key(item) > after][:limit]
        except TypeError:
            abort(400, description=BAD_CURSOR)

    return keyset_fetch(fetch, key, endpoint, **values)


def keyset_fetch(
    fetch: Callable[[list[Any] | None, int], list[Item]],
    key: Callable[[Item], list[Any]],
    endpoint: str,
    **values: Any,
) -> tuple[list[Item], str | None]:
    """Take a page from `fetch(after, limit)`: up to `limit` items in ascending order of `key`
    whose key is past `after`, the cursor's key (None on the first page), for lists the
    database pages. `fetch` answers 400 to a key it cannot compare."""
    limit = limit_from_query()
    position = cursor_from_query()
    after = position.get("after") if position else None
    if position is not None and not isinstance(after, list):
        abort(400, description=BAD_CURSOR)
    items = fetch(after, limit + 1)
    page = items[:limit]
    more = len(items) > limit
    return page, next_link(endpoint, {"after": key(page[-1])}, **values) if more else None


def offset_page(
    fetch: Callable[[int, int], list[Item]], endpoint: str, **values: Any
) -> tuple[list[Item], str | None]:
    """Take a page from `fetch(limit, offset)`, for lists ordered by relevance."""
    limit = limit_from_query()
    position = cursor_from_query() or {"offset": 0}
    offset = position.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        abort(400, description=BAD_CURSOR)
    rows = fetch(limit + 1, offset)
    more = len(rows) > limit
    return rows[:limit], next_link(endpoint, {"offset": offset + limit}, **values) if more else None
