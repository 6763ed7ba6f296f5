"""core.documents.spreadsheet: the one place text from user data becomes a spreadsheet cell."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from core.documents.spreadsheet import csv_text, text_cell

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@x", "\tx", "\rx"])
def test_csv_text_puts_an_apostrophe_before_formula_like_text(text):
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Lò Văn Pành", "1+2", "a=b", "", "Ánh -"])
def test_csv_text_leaves_ordinary_text_alone(text):
    assert csv_text(text) == text


def _round_trip(wb: Workbook, sheet: str | None = None):
    buffer = io.BytesIO()
    wb.save(buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    return book[sheet] if sheet else book.active


def test_text_cell_in_a_normal_and_a_write_only_sheet():
    wb = Workbook()
    ws = wb.active
    text_cell(ws["A1"], "=1+2")
    text_cell(ws["A2"], "Lò Văn Pành")
    text_cell(ws["A3"], None)
    back = _round_trip(wb)
    assert (back["A1"].value, back["A1"].data_type, back["A1"].quotePrefix) == ("=1+2", "s", True)
    assert (back["A2"].value, back["A2"].quotePrefix) == ("Lò Văn Pành", False)
    assert back["A3"].value is None

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    ws.append([text_cell(WriteOnlyCell(ws), "@x"), 7])
    back = _round_trip(wb, "x")
    assert (back["A1"].value, back["A1"].data_type, back["A1"].quotePrefix) == ("@x", "s", True)
    assert (back["B1"].value, back["B1"].data_type) == (7, "n")


def _writes_workbooks_or_csv(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        imports_workbook = (
            isinstance(node, ast.ImportFrom)
            and node.module == "openpyxl"
            and any(alias.name == "Workbook" for alias in node.names)
        )
        csv_writer = (
            isinstance(node, ast.Attribute)
            and node.attr in {"writer", "DictWriter"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        )
        if imports_workbook or csv_writer:
            return True
    return False


def test_every_module_that_writes_a_workbook_or_csv_uses_the_helper():
    """One rule, one home: a new writer that does not route its text through
    core.documents.spreadsheet fails here."""
    apps = [
        "accounts",
        "attendees",
        "certificates",
        "config",
        "core",
        "courses",
        "materials",
        "reports",
    ]
    writers = []
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "core" / "documents" / "spreadsheet.py":
                continue  # the helper itself
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if _writes_workbooks_or_csv(tree):
                writers.append(path.relative_to(ROOT))
    assert writers  # the check finds the writers it guards
    for path in writers:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert "core.documents.spreadsheet import" in source, (
            f"{path} writes cells without the helper"
        )
