"""The code's shape, held by tests: model writes happen only in services.

Every change of state goes through an app's ``services`` (one transaction, one audit row), so a
model write anywhere else is a bug waiting for its audit row. The scan reads the source (an AST,
no import), so it also covers code no test runs.

A call counts as a model write when it looks like one of Django's:

- ``x.save()`` / ``x.delete()`` with no positional argument (``Model.save`` and
  ``Model.delete`` take keywords only; ``workbook.save(buffer)`` is not a model);
- ``x.create(...)``, ``x.get_or_create(...)``, ``x.update_or_create(...)`` with no positional
  argument (a manager's ``create(**fields)``);
- ``x.update(...)`` with keyword arguments and no positional one (``QuerySet.update(**fields)``;
  ``dict.update(other)`` and ``set.update(items)`` take a positional one);
- ``x.bulk_create(...)``, ``x.bulk_update(...)`` always.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "retain"

WRITES_WITHOUT_POSITIONALS = {"save", "delete", "create", "get_or_create", "update_or_create"}
ALWAYS_WRITES = {"bulk_create", "bulk_update"}

#: Where model writes belong, besides ``<app>/services.py`` and ``<app>/services/``.
ALLOWED = {
    "migrations": "schema and data migrations",
    "demo/": "the demo loader builds a whole dealer group at once",
    "bulk.py": "the bulk loader the demo and the score runs write through",
    "org/audit.py": "the audit log's own writer, called by services inside their transaction",
}

#: Writes outside services that are known and named here until they move; each entry says
#: why. The test fails when an entry no longer matches anything, so the list only shrinks.
KNOWN: dict[tuple[str, str], str] = {
    # (path, function): why it may write outside services for now. Empty: keep it so.
}


def _is_write(call: ast.Call) -> str | None:
    if not isinstance(call.func, ast.Attribute):
        return None
    name = call.func.attr
    if name in ALWAYS_WRITES:
        return name
    positional = bool(call.args)
    if name in WRITES_WITHOUT_POSITIONALS and not positional:
        return name
    if name == "update" and not positional and call.keywords:
        return name
    return None


def model_writes(source: str) -> list[tuple[int, str, str]]:
    """``(line, where, method)`` for every call in ``source`` that looks like a model write;
    ``where`` is the enclosing ``Class.function`` (or ``<module>``)."""
    found = []

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if where == "<module>" else f"{where}.{child.name}"
                visit(child, inner)
                continue
            if isinstance(child, ast.Call) and (method := _is_write(child)):
                found.append((child.lineno, where, method))
            visit(child, where)

    visit(ast.parse(source), "<module>")
    return sorted(found)


def _allowed(relative: str) -> bool:
    parts = relative.split("/")
    if "services" in parts[:-1] or parts[-1] == "services.py":
        return True
    return any(relative.startswith(prefix) or f"/{prefix}" in f"/{relative}" for prefix in ALLOWED)


def _writes_outside_services():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if _allowed(relative):
            continue
        for line, where, method in model_writes(path.read_text(encoding="utf-8")):
            found.append((relative, line, where, method))
    return found


def test_model_writes_only_in_services():
    unexpected = [w for w in _writes_outside_services() if (w[0], w[2]) not in KNOWN]
    assert unexpected == [], "model writes outside services (move them into the app's services):\n" + "\n".join(
        f"  {path}:{line} {where}: .{method}()" for path, line, where, method in unexpected)


def test_known_exceptions_still_exist():
    seen = {(path, where) for path, _line, where, _method in _writes_outside_services()}
    assert set(KNOWN) <= seen, f"no longer writing, remove from KNOWN: {sorted(set(KNOWN) - seen)}"


PLANTED = '''
from retain.customers.models import Customer

def sneaky_view(request, customer):
    customer.name = "x"
    customer.save()
    customer.save(update_fields=["name"])
    Customer.objects.create(name="y")
    Customer.objects.filter(pk=1).update(name="z")
    customer.vehicles.update(customer=customer)
    Customer.objects.filter(pk=2).delete()
    Customer.objects.bulk_create([customer])
    Customer.objects.bulk_update([customer], ["name"])
    Customer.objects.get_or_create(name="w")
    Customer.objects.update_or_create(name="v", defaults={})

class Page:
    def post(self):
        self.customer.delete()
'''

NOT_WRITES = '''
def export(book, buffer, errors, seen, cache):
    book.save(buffer)
    errors.update({"a": 1})
    seen.update([1, 2])
    cache.delete("key")
    figures.update(other, more=1)
'''


def test_scan_catches_a_planted_write():
    found = model_writes(PLANTED)
    assert [method for _line, _where, method in found] == [
        "save", "save", "create", "update", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
        "update_or_create", "delete"]
    assert {where for _line, where, _method in found} == {"sneaky_view", "Page.post"}


def test_scan_ignores_calls_that_are_not_model_writes():
    assert model_writes(NOT_WRITES) == []


@pytest.mark.parametrize("relative, allowed", [
    ("sales/services/prospects.py", True), ("customers/services.py", True), ("sales/migrations/0001_initial.py", True),
    ("demo/build.py", True), ("sales/views/work.py", False), ("sales/analysis.py", False), ("web/pages.py", False),
])
def test_where_writes_belong(relative, allowed):
    assert _allowed(relative) is allowed


def test_a_planted_file_outside_services_fails_the_scan(tmp_path, monkeypatch):
    """The whole scan, not only the parser: a view that saves is reported."""
    (tmp_path / "sales" / "views").mkdir(parents=True)
    (tmp_path / "sales" / "views" / "sneaky.py").write_text(PLANTED, encoding="utf-8")
    (tmp_path / "sales" / "services").mkdir()
    (tmp_path / "sales" / "services" / "fine.py").write_text(PLANTED, encoding="utf-8")
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    with pytest.raises(AssertionError, match=r"sales/views/sneaky.py:6 sneaky_view: .save\(\)"):
        test_model_writes_only_in_services()
    assert all(path == "sales/views/sneaky.py" for path, *_ in _writes_outside_services())


# --- Ruff and the import contract (pyproject.toml), run by the README's test command --------------

ROOT = SRC.parent.parent
LINT_IMPORTS = ("import sys; from importlinter.cli import lint_imports; "
                "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))")


def _lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    """Run import-linter with the project's contracts on the ``retain`` package under ``source_root``."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run([sys.executable, "-c", LINT_IMPORTS, str(ROOT / "pyproject.toml")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_ruff_passes():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contract_is_kept():
    result = _lint_imports(SRC.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_contract_catches_planted_imports(tmp_path):
    """The contracts bite: org importing customers, a page importing the demo, the demo's circle
    back, and a new top-level module without a floor each break one."""
    copy = tmp_path / "src"
    shutil.copytree(SRC, copy / "retain", ignore=shutil.ignore_patterns("__pycache__", "locale", "static",
                                                                        "templates"))
    policy = copy / "retain" / "org" / "policy.py"
    policy.write_text(policy.read_text(encoding="utf-8") + "\nfrom retain.customers import models  # planted\n",
                      encoding="utf-8")
    work = copy / "retain" / "sales" / "views" / "work.py"
    work.write_text(work.read_text(encoding="utf-8") + "\nfrom retain.demo import build  # planted\n",
                    encoding="utf-8")
    demo_sales = copy / "retain" / "demo" / "sales.py"
    demo_sales.write_text(demo_sales.read_text(encoding="utf-8") + "\nfrom . import generate  # planted\n",
                          encoding="utf-8")
    (copy / "retain" / "stray.py").write_text('"""A module nobody placed on a floor."""\n', encoding="utf-8")
    result = _lint_imports(copy)
    assert result.returncode != 0
    broken = {line.split(" BROKEN")[0] for line in result.stdout.splitlines() if " BROKEN" in line}
    assert broken == {
        "Apps stand on floors and import only lower ones (ARCHITECTURE.md)",
        "org imports no other app",
        "nothing imports demo (retain demo reaches it by its command's name)",
        "the demo's modules import each other in one direction",
    }, result.stdout
    assert "retain.stray" in result.stdout  # exhaustive: every module has a floor


def test_demo_draws_from_the_enums():
    """The demo's closed sets are the models' enums (imported, so they cannot drift)."""
    from retain.customers.models import Classification
    from retain.demo import generate, names
    from retain.demo import sales as demo_sales
    from retain.org.models import DepartmentKind, Role
    from retain.sales.models import PROSPECT_SOURCES, ContactKind, DefeatReason, Grade, ProspectStatus

    assert sorted(generate.CLASSES) == sorted(Classification.values)
    assert sorted(generate.DEPARTMENTS) == sorted(DepartmentKind.values)
    assert {role for _prefix, role, _dept in generate.DEALER_MANAGERS} <= set(Role.values)
    assert sorted(names.PROSPECT_SOURCES) == sorted(PROSPECT_SOURCES)
    assert sorted(demo_sales.GRADES.tolist()) == sorted(Grade.values)
    assert sorted(demo_sales.STATUS.tolist()) == sorted(ProspectStatus.values)
    assert demo_sales.DEFEAT_REASONS == DefeatReason.values
    assert sorted(demo_sales.CONTACT_KINDS) == sorted(ContactKind.values)


# --- Each app the same shape --------------------------------------------------------------------

APPS = sorted(p.parent.name for p in SRC.glob("*/apps.py") if (p.parent / "views.py").exists()
              or (p.parent / "views").is_dir())


def _modules(app: str, name: str):
    package = SRC / app / name
    return sorted(package.rglob("*.py")) if package.is_dir() else [SRC / app / f"{name}.py"]


def _assigned_names(tree) -> set[str]:
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _form_classes(tree) -> list[str]:
    def is_form(base):
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        return name in {"Form", "ModelForm"} or name.endswith("Form")
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and any(map(is_form, node.bases))]


@pytest.mark.parametrize("app", APPS)
def test_app_addresses_live_in_urls_py(app):
    assert (SRC / app / "urls.py").exists(), f"{app} has pages but no urls.py"
    for module in _modules(app, "views"):
        assert "urlpatterns" not in _assigned_names(ast.parse(module.read_text(encoding="utf-8"))), \
            f"{module.relative_to(SRC)} defines urlpatterns; they belong in {app}/urls.py"


@pytest.mark.parametrize("app", APPS)
def test_app_forms_live_in_forms_py(app):
    for module in sorted((SRC / app).rglob("*.py")):
        if module.name == "forms.py" or "migrations" in module.parts or "forms" in module.parts[:-1]:
            continue
        forms_here = _form_classes(ast.parse(module.read_text(encoding="utf-8")))
        assert forms_here == [], f"{module.relative_to(SRC)} defines {forms_here}; forms belong in {app}/forms.py"


def test_shape_checks_see_the_apps():
    assert {"customers", "org", "sales"} <= set(APPS)
    assert _form_classes(ast.parse("class PeriodForm(forms.Form): pass\nclass X(TrafficForm): pass")) == [
        "PeriodForm", "X"]


def _service_modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        parts = relative.split("/")
        if parts[-1] == "services.py" or "services" in parts[:-1]:
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _is_atomic(decorator) -> bool:
    return isinstance(decorator, ast.Attribute) and decorator.attr == "atomic"


def test_service_actions_take_keyword_only_arguments_actor_first():
    """Every transactional action in a ``services`` module: ``def action(*, actor, ...)``."""
    wrong = []
    for relative, tree in _service_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(map(_is_atomic, node.decorator_list)):
                arguments = node.args
                first = arguments.kwonlyargs[0].arg if arguments.kwonlyargs else None
                if arguments.posonlyargs or arguments.args or first != "actor":
                    wrong.append(f"{relative}: {node.name}")
    assert wrong == [], "make these def name(*, actor, ...):\n  " + "\n  ".join(wrong)
    assert any(True for _ in _service_modules())
