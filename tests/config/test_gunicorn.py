"""gunicorn.conf.py: gunicorn trusts X-Forwarded-Proto from a proxy exactly when Django does
(BEHIND_PROXY). Read through gunicorn itself (--print-config), as every gunicorn started
in the project directory reads it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _forwarded_allow_ips(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in {"BEHIND_PROXY", "FORWARDED_ALLOW_IPS"}}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "config.wsgi"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("forwarded_allow_ips"))
    return line.split("=", 1)[1].strip()


@pytest.mark.parametrize("value", [None, "0", "off"])
def test_without_a_proxy_gunicorn_trusts_no_forwarded_headers(value):
    env = {} if value is None else {"BEHIND_PROXY": value}
    # gunicorn's own default would be ['127.0.0.1', '::1']: anything on the machine could
    # then claim https.
    assert _forwarded_allow_ips(**env) == "[]"


def test_behind_a_proxy_gunicorn_trusts_the_local_proxy():
    assert _forwarded_allow_ips(BEHIND_PROXY="1") == "['127.0.0.1', '::1']"


def test_behind_a_proxy_elsewhere_its_address_is_configurable():
    assert _forwarded_allow_ips(BEHIND_PROXY="1", FORWARDED_ALLOW_IPS="10.0.0.5") == "['10.0.0.5']"


def _bind(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "GUNICORN_BIND"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "config.wsgi"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("bind "))
    return line.split("=", 1)[1].strip()


def test_gunicorn_listens_on_loopback_unless_told():
    assert _bind() == "['127.0.0.1:8000']"


def test_gunicorn_binds_the_address_from_the_environment_for_a_proxy_on_another_host():
    assert _bind(GUNICORN_BIND="10.0.0.11:8000, 127.0.0.1:8000") == (
        "['10.0.0.11:8000', '127.0.0.1:8000']"
    )


def test_a_port_variable_in_the_environment_does_not_open_every_interface():
    # gunicorn's own default turns $PORT into 0.0.0.0:$PORT; `make` exports PORT.
    assert _bind(PORT="9999") == "['127.0.0.1:8000']"
