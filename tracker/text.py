"""What text Tracker stores: no control characters but tabs and line breaks.

Every text a person gives, through a form, the API or `tracker import`, meets this one rule:
the forms' shared base (`tracker.forms.TrackerForm`) adds `no_control_characters` to each of
their text fields, and the importer checks every text of a file with `problems_in` before it
reads anything else. Characters XML cannot carry (C0 controls, lone surrogates, U+FFFE and
U+FFFF) would break the Atom feeds; NUL cannot be stored by PostgreSQL; the others (DEL, the
C1 controls) are invisible and only ever arrive by accident or by design of an attacker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, compress, repeat
from typing import Any

from flask_babel import gettext as _
from wtforms import Field, Form, ValidationError

# Tab, line feed and carriage return are the only control characters text may hold.
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

CONTAINERS = (dict, list)
# Deeper than any file `tracker export` writes ($.sources[0].recommendations[0].actors[0]).
MAX_DEPTH = 16

# In a JSON document's own text: the escapes that may stand for a refused character (and a
# few that do not: a tab, a surrogate pair, an escaped backslash before a "b").
REFUSED_ESCAPE = re.compile(r"\\(?:[bf]|u00(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
                            r"|u[dD][89a-fA-F]|u[fF]{3}[eEfF])")  # fmt: skip


def character_problem(text: str) -> str | None:
    """Say what character `text` may not hold, or None when it holds none."""
    found = REFUSED.search(text)
    if found is None:
        return None
    code = ord(found.group())
    what = _("a lone surrogate") if 0xD800 <= code <= 0xDFFF else _("a control character")
    return _(
        "Remove %(what)s (%(code)s) at character %(position)s: text may hold tabs and line "
        "breaks, but no other control character.",
        what=what,
        code="U+" + format(code, "04X"),
        position=found.start() + 1,
    )


def without_refused(text: str) -> str:
    """Drop the characters text may not hold; for showing text stored before the rule."""
    return REFUSED.sub("", text)


def no_control_characters(form: Form | None, field: Field) -> None:
    """WTForms validator: refuse a text field's value that holds a refused character."""
    value = field.data
    if isinstance(value, str):
        problem = character_problem(value)
        if problem:
            raise ValidationError(problem)


def plainly_clean(document: str, data: Any) -> bool:
    """Whether `problems_in(data)` finds nothing, `data` being what `json.loads` read from
    the JSON `document` (strictly, as it does by default: no control character as itself).

    Quicker than the walk: a scan of the document's text, in C, for a refused character or an
    escape that may stand for one, and a walk of the containers alone for their depth. False
    means only "look closer".
    """
    if document.isascii():  # of the refused characters, JSON's text can hold DEL alone
        if "\x7f" in document:
            return False
    elif REFUSED.search(document):
        return False
    if "\\" in document and REFUSED_ESCAPE.search(document):
        return False
    level = [data] if isinstance(data, CONTAINERS) else []
    for _depth in range(MAX_DEPTH):  # the containers one level deeper each time, in C
        if not level:
            return True
        objects = compress(level, map(isinstance, level, repeat(dict)))
        arrays = compress(level, map(isinstance, level, repeat(list)))
        items = [*chain.from_iterable(map(dict.values, objects)), *chain.from_iterable(arrays)]
        level = list(compress(items, map(isinstance, items, repeat(CONTAINERS))))
    return not level


def problems_in(data: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """Yield (JSON path, message) for each text in `data` that breaks the rule.

    Walks lists and objects without recursion, so no nesting can exhaust the stack; nesting
    deeper than `MAX_DEPTH` is a problem of its own, reported once where it starts.
    """
    pending: list[tuple[str, Any, int]] = [(path, data, 0)]
    while pending:
        where, value, depth = pending.pop()
        if isinstance(value, str):
            problem = character_problem(value)
            if problem:
                yield where, problem
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_DEPTH:
            yield where, f"Nested deeper than {MAX_DEPTH} levels: no entry of a Tracker file is."
            continue
        if isinstance(value, dict):
            children = []
            for key, item in value.items():
                problem = character_problem(key)
                if problem:
                    # The path is printed: it must not carry the character itself.
                    key = ascii(key)
                    yield f"{where}.{key}", f"In the name of this member: {problem}"
                children.append((f"{where}.{key}", item))
        else:
            children = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        pending.extend((child, item, depth + 1) for child, item in reversed(children))
