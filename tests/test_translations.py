"""Vietnamese is the default UI: every string must have a Vietnamese translation."""

import re
import subprocess
import unicodedata
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries():
    text = PO.read_text(encoding="utf-8")
    return text, re.split(r"\n\n+", text)


def test_catalogue_compiles_and_is_complete():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_catalogue_is_nfc():
    text, _ = _entries()
    assert text == unicodedata.normalize("NFC", text)


def test_placeholders_survive_translation():
    _, entries = _entries()
    placeholder = re.compile(r"%\(\w+\)s|\{\{ ?\w+ ?\}\}|%s|%d")
    for entry in entries:
        msgid = re.search(r'^msgid "(.*?)"\n(?:msgid_plural|msgstr)', entry, re.S | re.M)
        msgstr = re.search(
            r'^msgstr(?:\[0\])? "(.*?)"(?:\n\n|\Z|\n#|\nmsgstr)', entry + "\n\n", re.S | re.M
        )
        if not msgid or not msgstr or not msgid.group(1):
            continue
        ids = sorted(placeholder.findall(msgid.group(1).replace('"\n"', "")))
        strs = sorted(placeholder.findall(msgstr.group(1).replace('"\n"', "")))
        assert ids == strs, entry
