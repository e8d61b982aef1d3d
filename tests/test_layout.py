"""The package's shape: no module imports, at load time, a module that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that this file imports when it is loaded (not inside functions)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` runs no import at load time
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): module_imports(path, modules) for path in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Find a cycle through each module that lies on one (depth-first, with a path)."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                found.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                walk(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return found


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "tracker.models" in graph["tracker.status_updates"]
    assert "tracker.recommendations.views" in graph["tracker.recommendations"]
    # An import inside a function is not one made at load time.
    assert "tracker.config" not in graph["tracker"]


def test_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_packages_modules() -> None:
    assert cycles(import_graph()) == []


def test_models_seeds_and_migrations_import_no_flask() -> None:
    migrations = sorted((PACKAGE.parent / "migrations" / "versions").glob("*.py"))
    script = "\n".join(
        [
            "import importlib.util, sys",
            "import tracker.models, tracker.seeds",
            *(
                f"spec = importlib.util.spec_from_file_location('m{n}', {str(path)!r})\n"
                "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
                for n, path in enumerate(migrations)
            ),
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))",
        ]
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert migrations and loaded.strip() == "[]"


def test_a_web_process_without_email_loads_no_task_queue(tmp_path: Path) -> None:
    """Huey, and the storages it imports (psycopg among them), load once e-mail is on."""
    script = "\n".join(
        [
            "import sys, tracker",
            f"app = tracker.create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/t.db',"
            " 'SECRET_KEY': 'x' * 32})",
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'huey', 'psycopg'}))",
        ]
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_only_views_commands_and_the_request_hook_commit() -> None:
    committing = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
            ):
                committing.add(module_name(path))
    # The request hook writes what reading noted; tracker.db ends a request that only read.
    allowed = {"tracker.bookkeeping", "tracker.commands", "tracker.db"}
    assert "tracker.recommendations.views" in committing
    assert {
        module
        for module in committing
        if module not in allowed and not module.endswith((".views", "_views", ".commands"))
    } == set()
