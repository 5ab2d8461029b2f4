"""Which app may import which (docs/architecture.md, "Which app may import which"), read from the code.

Every ``import`` and ``from … import`` in ``apps/`` (inside functions too) is checked against
``MAY_IMPORT``. A lower app that needs something from a higher one offers a registry instead
(guards, risk signals, tabs, badges, criteria, report sections), and the higher app registers.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"

INFRASTRUCTURE = ["apps.core.*", "apps.audit.*"]
MEASURING = ["evaluations", "costs", "integrations"]

# app -> module patterns it may import besides its own modules. "apps.x.*" means any module of x.
MAY_IMPORT: dict[str, list[str]] = {
    "audit": [],
    "core": ["apps.audit.context", "apps.audit.declarations"],  # writes are audited; core's tables declare it
    "accounts": INFRASTRUCTURE,
    "notifications": [*INFRASTRUCTURE, "apps.accounts.*"],
    "pocs": [*INFRASTRUCTURE, "apps.accounts.*", "apps.notifications.*"],
    "checklists": [*INFRASTRUCTURE, "apps.accounts.*", "apps.notifications.*", "apps.pocs.*"],
    **{
        app: [
            *INFRASTRUCTURE,
            "apps.accounts.*",
            "apps.notifications.*",
            "apps.pocs.*",
            "apps.checklists.risk",  # to register live stall signals
            "apps.checklists.gate",
            # measured quality, read-only, and the signal that it was measured again
            *(["apps.evaluations.selectors", "apps.evaluations.measured"] if app == "costs" else []),
            # registers the volumes the load-test form suggests peak rates from
            *(["apps.evaluations.providers"] if app == "costs" else []),
            # a run's measurement written as a validation answer through the kickoff's own service
            *(["apps.checklists.services", "apps.checklists.selectors"] if app == "evaluations" else []),
            # The cost model's value side is the business case (one source of truth): read through
            # checklists' selectors, written through its business_case_update service.
            *(["apps.checklists.selectors", "apps.checklists.services", "apps.checklists.signals"]
              if app == "costs" else []),
        ]
        for app in MEASURING
    },
    "decisions": [
        *INFRASTRUCTURE,
        "apps.accounts.*",
        "apps.notifications.*",
        "apps.pocs.*",
        *[f"apps.{app}.selectors" for app in ["checklists", *MEASURING]],
        "apps.evaluations.providers",  # registers the signed outcome (a go PoC accepts its drift watch)
    ],
    "reports": [
        *INFRASTRUCTURE,
        "apps.accounts.*",
        "apps.notifications.*",
        "apps.pocs.*",
        *[f"apps.{app}.selectors" for app in ["checklists", *MEASURING, "decisions", "portfolio"]],
        "apps.decisions.hooks",  # registers the "on signing" hook that freezes the report
        # The charts the pages draw, drawn again in the PDF (pure functions of the numbers, no queries).
        "apps.evaluations.charts",
        "apps.costs.charts",
    ],
    "portfolio": [
        *INFRASTRUCTURE,
        "apps.accounts.*",
        "apps.notifications.*",
        "apps.pocs.*",
        *[f"apps.{app}.selectors" for app in ["checklists", *MEASURING, "decisions"]],
    ],
    # The reminders read what is due (checklist items, decision dates) and tell people through notify().
    "reminders": [
        *INFRASTRUCTURE,
        "apps.accounts.*",
        "apps.notifications.*",
        "apps.pocs.*",
        *[f"apps.{app}.selectors" for app in ["checklists", *MEASURING, "decisions"]],
    ],
}


def _imports(path: Path, package: str) -> list[tuple[int, str, list[str]]]:
    """(line, module, names imported from it) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def _matches(module: str, patterns: list[str]) -> bool:
    return any(fnmatch(module, p) or (p.endswith(".*") and module == p[:-2]) for p in patterns)


def _allowed(app: str, module: str, names: list[str]) -> bool:
    parts = module.split(".")
    if parts[0] != "apps" or len(parts) < 2 or parts[1] == app:
        return True
    if _matches(module, MAY_IMPORT[app]):
        return True
    # "from apps.x import selectors" imports the module apps.x.selectors
    return bool(names) and all(_matches(f"{module}.{name}", MAY_IMPORT[app]) for name in names)


def _violations(app: str) -> list[str]:
    found = []
    for path in sorted((APPS_DIR / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module_path = ".".join(path.relative_to(APPS_DIR.parent).with_suffix("").parts)
        package = module_path if path.name == "__init__.py" else module_path.rsplit(".", 1)[0]
        package = package.removesuffix(".__init__")
        for line, module, names in _imports(path, package):
            if not _allowed(app, module, names):
                found.append(f"{path.relative_to(APPS_DIR.parent)}:{line} imports {module}")
    return sorted(set(found))


def test_every_app_is_in_the_table():
    present = {p.name for p in APPS_DIR.iterdir() if (p / "apps.py").exists()}
    assert present, "no apps found"
    missing = present - set(MAY_IMPORT)
    assert not missing, f"add these apps to MAY_IMPORT and to docs/architecture.md: {sorted(missing)}"


@pytest.mark.parametrize("app", sorted(p.name for p in APPS_DIR.iterdir() if (p / "apps.py").exists()))
def test_the_app_imports_only_what_it_may(app):
    assert _violations(app) == []


def test_the_reader_catches_an_upward_import(tmp_path, monkeypatch):
    """The check itself can fail: a core module importing pocs is reported, with its line."""
    fake = tmp_path / "apps" / "core"
    fake.mkdir(parents=True)
    (fake / "apps.py").write_text("")
    (fake / "bad.py").write_text("import os\n\ndef f():\n    from apps.pocs.models import PoC\n    return PoC\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["APPS_DIR"]), "APPS_DIR", tmp_path / "apps")
    assert _violations("core") == ["apps/core/bad.py:4 imports apps.pocs.models"]
