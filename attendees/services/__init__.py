"""Writes for people, nominations and the spreadsheet import, one module per subject:

- `people`: saving, erasing and exporting a person, logging sensitive views;
- `nominations`: creating, submitting, approving, returning, withdrawing and substituting
  nominations, with the quota rules decided under a lock on the class row;
- `imports`: storing an uploaded spreadsheet and importing its rows.

Callers use `from attendees import services` and `services.<name>`: every public name of
the three modules is here."""

from attendees.services.imports import (
    ImportReport,
    ethnicity_lookup,
    import_batch_check,
    import_batch_errors,
    import_batch_store,
    import_nominations,
)
from attendees.services.nominations import (
    QuotaUse,
    RowsRefused,
    nomination_create,
    nomination_substitute,
    nomination_withdraw,
    nominations_approve,
    nominations_return,
    nominations_submit,
    nominations_submit_problems,
    quota_use,
)
from attendees.services.people import (
    log_sensitive_view,
    participant_erase,
    participant_export,
    participant_save,
)

__all__ = [
    "ImportReport",
    "QuotaUse",
    "RowsRefused",
    "ethnicity_lookup",
    "import_batch_check",
    "import_batch_errors",
    "import_batch_store",
    "import_nominations",
    "log_sensitive_view",
    "nomination_create",
    "nomination_substitute",
    "nomination_withdraw",
    "nominations_approve",
    "nominations_return",
    "nominations_submit",
    "nominations_submit_problems",
    "participant_erase",
    "participant_export",
    "participant_save",
    "quota_use",
]
