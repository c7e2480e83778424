"""Guards over the source, so code added later keeps the rules by default:
no inline script, style or event handler in any template (the CSP would block it), and no
bulk write that skips the change history on a history-tracked model."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("vipcn", "candidates", "deliveries")


def templates():
    return sorted((ROOT / "templates").rglob("*.html")) + sorted(
        p for d in APP_DIRS for p in (ROOT / d).rglob("templates/**/*.html")
    )


def is_print_template(path):
    """Templates rendered only to PDF by WeasyPrint (never served to a browser, so no CSP
    applies) may carry their print styles inline; they may never carry script."""
    return path.name.endswith("_pdf.html")


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_code_in_templates(path):
    html = path.read_text()
    assert not re.search(r"<script", html) or not is_print_template(path), "script in a PDF"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    if not is_print_template(path):
        assert not re.search(r"<style[\s>]", html), "inline <style>"
        assert not re.search(r"\sstyle\s*=", html), 'style="" attribute'
    assert not re.search(r"\son[a-z]+\s*=", html), "on*= event handler"
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html), "outside URL"


def history_model_names():
    return {m.__name__ for m in apps.get_models() if hasattr(m, "history")}


BULK = {"update", "bulk_create", "bulk_update"}


def bulk_writes_on_history_models(source, names):
    """(line, model, method) for Model.objects...update()/bulk_create()/bulk_update()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in BULK:
            continue
        # Walk down the chain: Model.objects.filter(...).update(...)
        inner, saw_objects = node.func.value, False
        while True:
            if isinstance(inner, ast.Call):
                inner = inner.func
            elif isinstance(inner, ast.Attribute):
                saw_objects = saw_objects or inner.attr in ("objects", "_default_manager")
                inner = inner.value
            else:
                break
        if saw_objects and isinstance(inner, ast.Name) and inner.id in names:
            found.append((node.lineno, inner.id, node.func.attr))
    return found


def test_the_guard_finds_a_bulk_write():
    source = "Candidate.objects.filter(pk=1).update(notes='x')\nAccessLogEntry.objects.all()\n"
    assert bulk_writes_on_history_models(source, {"Candidate"}) == [(1, "Candidate", "update")]


def test_no_bulk_write_skips_history():
    names = history_model_names()
    assert "Candidate" in names and "CNCase" in names
    offenders = []
    for app in APP_DIRS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line, model, method in bulk_writes_on_history_models(path.read_text(), names):
                offenders.append(f"{path.relative_to(ROOT)}:{line} {model}.objects...{method}()")
    assert offenders == [], "use the services (save() per row) so history is kept"
