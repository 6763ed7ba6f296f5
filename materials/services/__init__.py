"""Writes on materials, one module per subject:

- `catalogue`: materials, editions and their files, withdrawing and restoring them,
  attaching an edition to a class;
- `handouts`: a badge scanned in hand-out mode, the tick list, undoing a hand-over;
- `distribution`: the plan of printed copies, dispatches and signed receipts.

Each service runs in one transaction and writes the audit log. Callers use
`from materials import services` and `services.<name>`: every public name is here, and
`ValidationError`, which the services raise."""

from django.core.exceptions import ValidationError

from materials.services.catalogue import (
    class_material_add,
    class_material_restore,
    class_material_withdraw,
    download_record,
    edition_create,
    edition_restore,
    edition_update,
    edition_withdraw,
    file_restore,
    file_withdraw,
    files_add,
    material_save,
    refresh_search_text,
)
from materials.services.distribution import dispatch_record, distribution_plan, receipt_record
from materials.services.handouts import (
    HandoutOutcome,
    HandoutResult,
    HandoverListSave,
    handover_scan,
    handover_undo,
    handovers_update,
)

__all__ = [
    "HandoutOutcome",
    "HandoutResult",
    "HandoverListSave",
    "ValidationError",
    "class_material_add",
    "class_material_restore",
    "class_material_withdraw",
    "dispatch_record",
    "distribution_plan",
    "download_record",
    "edition_create",
    "edition_restore",
    "edition_update",
    "edition_withdraw",
    "file_restore",
    "file_withdraw",
    "files_add",
    "handover_scan",
    "handover_undo",
    "handovers_update",
    "material_save",
    "receipt_record",
    "refresh_search_text",
]
