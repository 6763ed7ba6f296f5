"""The icon font is the subset of Bootstrap Icons the app uses (static/icons/, made by
`manage.py subset_icons`): every icon a template, script or view names must be in it."""

import json
import re
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont

from courses.management.commands.subset_icons import used_icons

ICONS = Path(settings.BASE_DIR, "static", "icons")
RULE = re.compile(r'\.bi-([a-z0-9-]+)::before \{ content: "\\([0-9a-f]+)"; \}')


def _css_rules() -> dict[str, int]:
    css = (ICONS / "icons.css").read_text(encoding="utf-8")
    return {name: int(code, 16) for name, code in RULE.findall(css)}


def test_every_icon_the_app_uses_is_in_the_subset_stylesheet():
    used = used_icons()
    assert "camera-video" in used  # the scanner's button: the scan finds templates
    assert "file-earmark-pdf" in used  # named in materials/library_views.py
    missing = {name: files for name, files in used.items() if name not in _css_rules()}
    assert not missing, f"Icons not in static/icons/: run `make icons`. {missing}"


def test_every_icon_in_the_stylesheet_has_its_glyph_in_the_font():
    font = TTFont(ICONS / "icons.woff2")
    cmap = font.getBestCmap()
    rules = _css_rules()
    assert rules
    assert {name: code for name, code in rules.items() if code not in cmap} == {}


def test_the_stylesheet_uses_bootstrap_icons_codepoints():
    known = json.loads(
        Path(
            settings.BASE_DIR, "node_modules", "bootstrap-icons", "font", "bootstrap-icons.json"
        ).read_text(encoding="utf-8")
    )
    assert {name: known.get(name) for name in _css_rules()} == _css_rules()


def test_the_stylesheet_loads_the_font_by_a_plain_relative_url():
    """No ?query after the font's name: the page's URL and the one the scanner's service
    worker keeps must be the same hashed URL (collectstatic rewrites this one)."""
    css = (ICONS / "icons.css").read_text(encoding="utf-8")
    assert re.findall(r"url\(([^)]*)\)", css) == ['"icons.woff2"']
