#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No DEBUG default here: commands run with the settings of the environment they are
    # given, like the web server. A production command started without its environment
    # (`manage.py backup` outside /etc/daotao.env) must refuse, not quietly run in
    # development mode on an empty ./db.sqlite3. Development mode comes from the Makefile
    # (`make run`, `make test`, .env) or from DEBUG=1 in the developer's shell.
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
