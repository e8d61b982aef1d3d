"""The rule for text, unit by unit: the importer's quick look agrees with its full walk."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tracker.text import MAX_DEPTH, plainly_clean, problems_in

# Text with now and then a refused character, an escape's look-alike or a bracket.
texts = st.text(
    st.sampled_from(
        ["a", "é", "\t", "\n", "\x00", "\x0b", "\x7f", "\x85", "\ufffe", "\\", "[", "{", '"', "😀"]
    ),
    max_size=6,
)
values = st.recursive(
    st.none() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=30,
)


def nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"items": [value]} if len(str(value)) % 2 else [value]
    return value


@given(values, st.booleans())
def test_a_document_it_passes_has_no_problem(value: object, ascii_only: bool) -> None:
    document = json.dumps(value, ensure_ascii=ascii_only)
    if plainly_clean(document, json.loads(document)):
        assert list(problems_in(json.loads(document))) == []


def test_it_passes_an_ordinary_export_and_refuses_what_the_walk_refuses() -> None:
    ordinary = {"updates": [{"assessment": "Talks resumed.\nSee the\treport.", "evidence": [
        {"title": "Réunion, “quoted”", "excerpt": "C:\\path and [brackets] {too}"}]}]}  # fmt: skip
    assert plainly_clean(json.dumps(ordinary, ensure_ascii=False), ordinary)
    assert plainly_clean(json.dumps(ordinary), ordinary)
    for refused in ("\x00", "\x1f", "\x7f", "\x9f", "\ud800", "\uffff"):
        for ascii_only in (True, False):
            document = json.dumps({"text": f"a{refused}b"}, ensure_ascii=ascii_only)
            assert not plainly_clean(document, json.loads(document))
            assert list(problems_in(json.loads(document)))


def test_it_counts_nesting_as_the_walk_does() -> None:
    # The root is at depth 0: the walk refuses a container at MAX_DEPTH.
    assert plainly_clean(json.dumps(nested(MAX_DEPTH)), nested(MAX_DEPTH))
    assert list(problems_in(nested(MAX_DEPTH))) == []
    assert not plainly_clean(json.dumps(nested(MAX_DEPTH + 1)), nested(MAX_DEPTH + 1))
    assert list(problems_in(nested(MAX_DEPTH + 1)))
