"""People lists — a class's enrollment list, a unit's nomination list, a material's
receipt list — as tables for the shelf's writer (:mod:`core.documents.tables`), which
draws the same rows as an .xlsx sheet and as an official Decree 30 PDF.

The caller decides the columns and the order of the rows (lists are sorted the Vietnamese
way — given name first — before they get here); this module only sets what every people
list shares: columns in proportions of the page, portrait up to six columns, one sheet
"Danh sách", and no signer unless the issuing unit signs::

    table = people_table(
        title="DANH SÁCH HỌC VIÊN LỚP L3",
        subtitle="…",
        columns=[Col("STT", "int", 0.5), Col("Họ và tên", "text", 3), …],
        rows=[[1, "Lò Văn Pành", …], …],
    )
    table_xlsx(table)                                   # bytes
    table_pdf(table, parent_body=…, issuing_body=…, place=…, on=…)
"""

from __future__ import annotations

from typing import Any

from core.documents.tables import Col, Signer, Table

LANDSCAPE_ABOVE = 6  # more columns than this → landscape page
LIST_PADDING = (2.5, 3.5)  # as the lists were: room for a hand-written note
# Every person signs on their row (a receipt list): rows as tall as the payment voucher's,
# about 9 mm, not one line of text.
SIGN_ROW_PADDING = (5.5, 6.5)


def people_table(
    *,
    title: str,
    subtitle: str,
    columns: list[Col],
    rows: list[list[Any]],
    issuer: tuple[str, str] = ("", ""),
    signers: tuple[Signer, ...] = (),
    sign_rows: bool = False,
) -> Table:
    """A people list: ``columns`` widths are proportions, ``subtitle`` may hold several
    lines, ``issuer`` is (parent body, issuing body) above the sheet's title (the PDF takes
    its header from ``table_pdf``)."""
    return Table(
        sheet="Danh sách",
        title=title,
        subtitle=[line for line in subtitle.split("\n") if line],
        columns=columns,
        rows=rows,
        landscape=len(columns) > LANDSCAPE_ABOVE,
        issuer=issuer,
        signers=signers,
        relative_widths=True,
        pdf_padding=SIGN_ROW_PADDING if sign_rows else LIST_PADDING,
    )
