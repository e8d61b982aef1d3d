"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import json

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tracker.engine import make_engine
from tracker.models import Base
from tracker.schema import alembic_config


def revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_stairway_each_revision_up_down_up(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    for revision in revisions(empty_database_url):
        command.upgrade(config, revision)
        command.downgrade(config, "-1")
        command.upgrade(config, revision)


def test_head_matches_the_models(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises when autogenerate would find a difference
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_d025a95ecdaf_gives_existing_rows_their_first_revision(empty_database_url: str) -> None:
    """Updates logged before revisions existed keep what they said as revision 1."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "6ca3a82cbc5c")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO actor (id, slug, name) VALUES (1, 'us', 'United States')",
                "INSERT INTO theme (id, slug, name) VALUES (1, 'talks', 'Talks')",
                "INSERT INTO source (id, slug, kind, title, author, publisher, url, published_on,"
                " date_precision, created_at, updated_at) VALUES (1, 'src', 'article', 'T', 'A',"
                " 'P', 'https://example.org', '2020-01-01', 'month', :now, :now)",
                "INSERT INTO recommendation (id, source_id, slug, position, title, summary,"
                " passage, theme_id, created_at, updated_at) VALUES (1, 1, 'rec', 1, 'Title',"
                " 'Summary', 'Passage', 1, :now, :now)",
                "INSERT INTO recommendation_actor VALUES (1, 1)",
                'INSERT INTO "user" (id, email, name, password_hash, role, active, created_at)'
                " VALUES (1, 'a@example.org', 'A', 'x', 'analyst', true, :now)",
                "INSERT INTO status_update (id, recommendation_id, status, as_of, assessment,"
                " confidence, author_id, created_at) VALUES (1, 1, 'stalled', '2021-01-01',"
                " 'Stalled in January.', 'high', 1, :now)",
            ):
                connection.execute(text(statement), {"now": "2024-01-01 00:00:00"})
        command.upgrade(config, "d025a95ecdaf")
        with engine.connect() as connection:
            revision = connection.execute(
                text("SELECT number, kind, status, assessment, author_id FROM status_revision")
            ).one()
            assert tuple(revision) == (1, "original", "stalled", "Stalled in January.", 1)
            assert connection.execute(text("SELECT revision FROM status_update")).scalar() == 1
            versions = connection.execute(
                text("SELECT entity_type, number, data FROM content_version ORDER BY entity_type")
            ).all()
            assert [(kind, number) for kind, number, _ in versions] == [
                ("recommendation", 1),
                ("source", 1),
            ]
            data = versions[0][2]
            data = json.loads(data) if isinstance(data, str) else data
            assert data["actors"] == ["us"] and data["theme"] == "talks"
    finally:
        engine.dispose()
