"""Load the seeded sources and recommendations, idempotently, keyed by slug.

Seeds are content: rerunning the loader changes nothing unless a seed changed, a reworded
seed updates the stored text, and nothing an analyst recorded is touched.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit
from .models import Actor, Base, Recommendation, Source, Theme
from .versions import Versioned, record_version
from .vocabulary import DatePrecision, SourceKind

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


class SeedError(ValueError):
    """The seed files are inconsistent."""


def read_seeds(directory: Path = SEEDS_DIR) -> dict[str, Any]:
    """Read `sources.yaml` and each source's full text, checking passages against it."""
    data = yaml.safe_load((directory / "sources.yaml").read_text(encoding="utf-8"))
    for source in data["sources"]:
        text_file = source.pop("text_file", None)
        source["text"] = (directory / text_file).read_text(encoding="utf-8") if text_file else None
        for rec in source["recommendations"]:
            if source["text"] is not None and rec["passage"] not in source["text"]:
                raise SeedError(f"{rec['slug']}: the passage is not in {text_file}")
    return data


def load_seeds(session: Session, data: dict[str, Any]) -> Counter[str]:
    """Create or update every seeded row; return counts of what was created and updated."""
    changes: Counter[str] = Counter()
    actors = {
        row["slug"]: upsert(session, Actor, row["slug"], {"name": row["name"]}, changes)
        for row in data["actors"]
    }
    themes = {
        row["slug"]: upsert(session, Theme, row["slug"], {"name": row["name"]}, changes)
        for row in data["themes"]
    }
    for row in data["sources"]:
        published_on = row["published_on"]
        if not isinstance(published_on, dt.date):
            raise SeedError(f"{row['slug']}: published_on must be a date (YYYY-MM-DD)")
        source = upsert(
            session,
            Source,
            row["slug"],
            {
                "kind": SourceKind(row["kind"]),
                "title": row["title"],
                "author": row["author"],
                "publisher": row["publisher"],
                "url": row["url"],
                "published_on": published_on,
                "date_precision": DatePrecision(row["date_precision"]),
                "text": row["text"],
            },
            changes,
        )
        for position, rec in enumerate(row["recommendations"], start=1):
            try:
                theme = themes[rec["theme"]]
                addressed = [actors[slug] for slug in rec["actors"]]
            except KeyError as missing:
                raise SeedError(f"{rec['slug']}: unknown theme or actor {missing}") from None
            upsert(
                session,
                Recommendation,
                rec["slug"],
                {
                    "source_id": source.id,
                    "position": position,
                    "title": rec["title"],
                    "summary": rec["summary"].strip(),
                    "passage": rec["passage"],
                    "theme_id": theme.id,
                    "condition": rec.get("condition"),
                    "actors": addressed,
                },
                changes,
                load=(selectinload(Recommendation.actors),),
            )
    session.flush()
    return changes


def upsert(
    session: Session,
    model: type[Base],
    slug: str,
    values: dict[str, Any],
    changes: Counter[str],
    load: tuple[Any, ...] = (),
) -> Any:
    """Find the row with `slug` and bring it in line with `values`, auditing any change."""
    name = model.__tablename__
    row = session.scalars(select(model).where(model.slug == slug).options(*load)).first()
    if row is None:
        row = model(slug=slug, **values)
        session.add(row)
        session.flush()
        if isinstance(row, Versioned):
            record_version(session, row, None)
        audit.record(session, "seed.create", user=None, target=row, after=audit.printable(values))
        changes[f"{name}s created"] += 1
        return row
    before = {key: getattr(row, key) for key in values if differs(getattr(row, key), values[key])}
    if before:
        after = {key: values[key] for key in before}
        audit.record(
            session, "seed.update", user=None, target=row,
            before=audit.printable(before), after=audit.printable(after),
        )  # fmt: skip
        for key in before:
            setattr(row, key, values[key])
        session.flush()
        if isinstance(row, Versioned):
            record_version(session, row, None)
        changes[f"{name}s updated"] += 1
    return row


def differs(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):  # a collection: its order is the database's
        return {item.slug for item in stored} != {item.slug for item in wanted}
    return bool(stored != wanted)
