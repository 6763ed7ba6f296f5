"""One data row of the nominations spreadsheet turned into an ImportRow or row errors,
with the duplicates inside the file (same CCCD, same name and birth date) and the
template's example row refused."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from attendees.importing.cells import (
    _CATEGORY,
    _as_text,
    _expected_date,
    _fast_fold,
    _key,
    _parse_citizen_id,
    _parse_date,
    _parse_gender,
    _parse_payroll,
    _parse_phone,
    _parse_position,
    _parse_workplace,
)
from attendees.importing.columns import (
    _EXAMPLE,
    _MAX_LENGTH,
    CATEGORY,
    CITIZEN_ID,
    DOB,
    ETHNICITY,
    GENDER,
    NAME,
    PAYROLL,
    PHONE,
    POSITION,
    WORKPLACE,
    ImportRow,
    RowError,
)
from attendees.validators import citizen_id_mismatch, validate_age, validate_person_name
from courses.vietnamese import clean_person_name, clean_text, fold

_FIELDS = [NAME, DOB, GENDER, ETHNICITY, CITIZEN_ID, PHONE, POSITION, WORKPLACE, CATEGORY, PAYROLL]


class _Memo(dict):
    """Cell value -> its interpretation, computed once per distinct value: genders,
    categories, ethnic groups and units repeat on every row. ``empty`` is what an empty
    cell means: a value and, when the column is required, the problem."""

    def __init__(self, interpret, *, empty=("", "")):
        super().__init__()
        self.interpret = interpret
        self[""] = empty

    def __missing__(self, raw):
        result = self[raw] = self.interpret(raw)
        return result


class _RowParser:
    """Turns one row's cells into an ImportRow or RowErrors, and remembers earlier rows
    to find duplicates."""

    def __init__(self, columns, *, ethnicities, categories, today):
        self.indices = [columns.get(name) for name in _FIELDS]
        self.ethnicities = ethnicities
        self.categories = categories
        self.category_list = ", ".join(sorted(categories))
        self.today = today
        self.rows: list[ImportRow] = []
        self.errors: list[RowError] = []
        self.seen_ids: dict[str, int] = {}
        self.seen_people: dict[tuple[str, datetime.date], int] = {}
        self.genders = _Memo(
            _parse_gender, empty=("", _("The gender is missing; write Nam or Nữ."))
        )
        self.ethnic_groups = _Memo(self._parse_ethnicity)
        self.positions = _Memo(_parse_position)
        self.workplaces = _Memo(_parse_workplace)
        self.category_codes = _Memo(
            self._parse_category,
            empty=(
                "",
                _("The category is missing; write one of %(list)s.") % {"list": self.category_list},
            ),
        )
        self.payrolls = _Memo(
            _parse_payroll, empty=(False, _("State payroll is missing; write Có or Không."))
        )

    def values(self, row: Sequence) -> list | None:
        """The cells of the known columns (STT aside), whitespace-only cells as "", or
        None for a blank row."""
        width = len(row)
        values = [row[i] if i is not None and i < width else "" for i in self.indices]
        filled = False
        for k, value in enumerate(values):
            if value == "" or value is None or (value.__class__ is str and value.isspace()):
                values[k] = ""
            else:
                filled = True
        return values if filled else None

    def parse(self, row_number: int, values: list) -> None:
        (
            raw_name,
            raw_dob,
            raw_gender,
            raw_ethnicity,
            raw_id,
            raw_phone,
            raw_position,
            raw_workplace,
            raw_category,
            raw_payroll,
        ) = values
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            errors.append(RowError(row_number, column, message))

        def read(column: str, memo: _Memo, raw):
            value, problem = memo[raw]
            if problem:
                error(column, problem)
            return value

        name = ""
        if raw_name == "":
            error(NAME, _("The full name is missing."))
        else:
            name = clean_person_name(_as_text(raw_name))
            try:
                validate_person_name(name)
            except ValidationError as exc:
                error(NAME, exc.messages[0])
            else:
                if len(name) > _MAX_LENGTH[NAME]:
                    error(
                        NAME,
                        _("The full name is longer than %(n)s characters.")
                        % {"n": _MAX_LENGTH[NAME]},
                    )

        born = None
        if raw_dob == "":
            error(
                DOB,
                _("The date of birth is missing; %(expected)s.") % {"expected": _expected_date()},
            )
        else:
            if raw_dob.__class__ is datetime.date:
                born = raw_dob
            else:
                born, problem = _parse_date(raw_dob)
                if problem:
                    error(DOB, problem)
            if born is not None:
                try:
                    validate_age(born, today=self.today)  # the forms' and the API's rule too
                except ValidationError as exc:
                    error(DOB, exc.messages[0])
                    born = None

        gender = read(GENDER, self.genders, raw_gender)
        ethnicity = read(ETHNICITY, self.ethnic_groups, raw_ethnicity)

        citizen_id = ""
        if raw_id != "":
            citizen_id, problem = _parse_citizen_id(raw_id)
            if not problem and born is not None and gender:
                problem = citizen_id_mismatch(citizen_id, gender, born)
            if problem:
                error(CITIZEN_ID, problem)
            else:
                # Duplicates inside the file: the later row is the one to fix or delete.
                earlier = self.seen_ids.setdefault(citizen_id, row_number)
                if earlier != row_number:
                    error(
                        CITIZEN_ID,
                        _("Citizen ID %(id)s is the same as on row %(row)s.")
                        % {"id": citizen_id, "row": earlier},
                    )

        phone = ""
        if raw_phone != "":
            phone, problem = _parse_phone(raw_phone)
            if problem:
                error(PHONE, problem)

        position = read(POSITION, self.positions, raw_position)
        workplace = read(WORKPLACE, self.workplaces, raw_workplace)
        category = read(CATEGORY, self.category_codes, raw_category)
        payroll = read(PAYROLL, self.payrolls, raw_payroll)

        if name and born is not None:
            earlier = self.seen_people.setdefault((_fast_fold(name), born), row_number)
            if earlier != row_number:
                error(
                    NAME,
                    _(
                        "%(name)s, born %(date)s, is the same as row %(row)s; write each person "
                        "on one row only."
                    )
                    % {"name": name, "date": f"{born:%d/%m/%Y}", "row": earlier},
                )

        if name == _EXAMPLE[1] and born == _EXAMPLE[2] and citizen_id == _EXAMPLE[5]:
            error(
                NAME, _("This is the template's example row; delete it and upload the file again.")
            )

        if errors:
            self.errors.extend(errors)
            return
        self.rows.append(
            ImportRow(
                row_number,
                name,
                gender,
                born,
                ethnicity,
                citizen_id,
                phone,
                position,
                workplace,
                category,
                payroll,
            )
        )

    def _parse_ethnicity(self, raw) -> tuple[str, str]:
        shown = clean_text(_as_text(raw))
        key = _key(shown)
        code = self.ethnicities.get(key.zfill(2) if key.isdigit() else key)
        if code:
            return code, ""
        return "", _(
            "Ethnic group “%(value)s” is not among the 54 ethnic groups; write the group's "
            "name, e.g. Thái, Mông, Dao, Hà Nhì, or leave it empty."
        ) % {"value": shown}

    def _parse_category(self, raw) -> tuple[str, str]:
        shown = clean_text(_as_text(raw))
        match = _CATEGORY.match(fold(shown))
        if match and match.group(1) in self.categories:
            return match.group(1), ""
        return "", _("Category “%(value)s” is not valid; write one of %(list)s.") % {
            "value": shown,
            "list": self.category_list,
        }
