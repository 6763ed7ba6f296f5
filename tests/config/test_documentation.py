"""The README and .env.example stay true: every variable the settings read is listed."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = (ROOT / "config" / "settings.py").read_text()
# config/env.py reads the variables of a setting built from several (MEDIA_STORAGE, S3_*).
ENV_HELPERS = (ROOT / "config" / "env.py").read_text()
VARIABLES = set(
    re.findall(r'(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS)
) | set(re.findall(r'\benviron(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]*)"', ENV_HELPERS))


def test_settings_read_the_expected_variables():
    assert {
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
    } <= VARIABLES


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert listed >= VARIABLES, VARIABLES - listed


def test_readme_configuration_table_lists_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = {v for v in VARIABLES if f"`{v}`" not in readme}
    assert not missing, missing


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:1500]
    assert "make run" in head and "make test" in head


DEPLOYMENT = ROOT / "docs" / "deployment.md"
GUNICORN_VARIABLES = set(
    re.findall(
        r'(?:env_bool|os\.environ\.get|os\.environ\[)\(?\s*"([A-Z_]+)"',
        (ROOT / "gunicorn.conf.py").read_text(),
    )
)


def _env_files(text: str) -> list[list[str]]:
    """The guide's code blocks that are environment files: every line a comment or NAME=value."""
    files = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S):
        lines = [line for line in block.splitlines() if line.strip()]
        if any(not line.startswith("#") for line in lines) and all(
            re.match(r"#|[A-Z][A-Z0-9_]*=", line) for line in lines
        ):
            files.append(lines)
    return files


def _check_env_lines(lines: list[str], where: str) -> None:
    for line in lines:
        if line.startswith("#"):
            continue
        name, value = line.split("=", 1)
        # systemd's EnvironmentFile (and make's include) keep an inline comment in the value.
        assert "#" not in value, f"{where}: comment after a value: {line!r}"
        assert value == value.strip(), f"{where}: spaces around a value: {line!r}"
        assert name in VARIABLES | GUNICORN_VARIABLES, f"{where}: nothing reads {name}"


def test_deployment_guide_env_files_mean_what_they_say_to_systemd():
    files = _env_files(DEPLOYMENT.read_text())
    assert len(files) >= 2  # one server, several servers
    for lines in files:
        _check_env_lines(lines, "docs/deployment.md")


def test_env_example_has_comments_only_on_their_own_lines():
    # Its commented-out examples too: they are there to be uncommented as they are.
    text = (ROOT / ".env.example").read_text()
    lines = [re.sub(r"^# ?(?=[A-Z][A-Z0-9_]*=)", "", line) for line in text.splitlines()]
    _check_env_lines([line for line in lines if line.strip()], ".env.example")
