"""gunicorn's settings, read by every gunicorn started in this directory (its default
`--config ./gunicorn.conf.py`): `make https`, the systemd unit in docs/deployment.md,
bench/ and the live tests. Command-line flags add to it.
"""

import os

from config.env import env_bool

# gunicorn turns X-Forwarded-Proto: https into an https request when it comes from an
# address in this list (its default: 127.0.0.1 and ::1, whatever Django was told). Trust
# a proxy in gunicorn exactly when Django does, BEHIND_PROXY: without a proxy, anything
# on the machine could otherwise claim https and get past SECURE_SSL_REDIRECT. Behind one,
# FORWARDED_ALLOW_IPS names it if it is not on this machine.
if env_bool("BEHIND_PROXY", False):
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
else:
    forwarded_allow_ips = ""

# Where gunicorn listens. Its default, 127.0.0.1:8000, suits an nginx on the same machine;
# when nginx or the load balancer runs on another host, the app server's own LAN address
# (GUNICORN_BIND=10.0.0.11:8000; comma-separated for several). Open that port to the
# proxy alone (docs/deployment.md). A --bind flag on the command line wins.
# Always set: left unset, gunicorn would take a PORT variable from the environment (one
# `make` exports, and many hosts set) as 0.0.0.0:$PORT — every interface, no proxy.
bind = [
    address.strip()
    for address in (os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000").split(",")
    if address.strip()
]
