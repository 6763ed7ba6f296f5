#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's tool: without a configured environment it runs in
    # development mode, so `manage.py makemigrations` works in a fresh checkout. The web
    # server (config/wsgi.py, asgi.py) has no such default: DEBUG is off unless set, and
    # production deployments set DEBUG=0 for commands too (.env.example).
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
