"""The shelf of document primitives: every printed or exported document of the
department takes its pieces from here instead of styling its own.

* :mod:`~core.documents.header` — fonts (IBM Plex Serif, NFC text, paragraph styles), the
  Decree 30/2020 header, the signature row, the numbered canvas and ``build_pdf``.
* :mod:`~core.documents.wording` — dates ("ngày 05 tháng 3 năm 2023", 05/3/2023,
  05/03/2023), thousands, percent and amounts in words.
* :mod:`~core.documents.qr` — the one QR encoder (``qrcode``) and its vector drawing.
* :mod:`~core.documents.fitting` — measuring text: shrink to one line, wrap, fit a name,
  column widths.
* :mod:`~core.documents.tables` — one table (columns, typed rows) to xlsx, CSV and PDF.
* :mod:`~core.documents.forms` — the officer's fields of a report (number, date,
  recipients, signer's title and name), one form for every report the app writes.
* :mod:`~core.documents.spreadsheet` — text cells that are never formulas, and the print
  set-up of every workbook.
"""
