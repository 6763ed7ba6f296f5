#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that write source files (migrations, message catalogues) and never read or write
# the site's data: they run with the development defaults even in a bare checkout, so that
# `manage.py makemigrations --check` works as reviewers and CI tools run it.
SOURCE_COMMANDS = frozenset({"makemigrations", "makemessages", "compilemessages"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No DEBUG default here: commands run with the settings of the environment they are
    # given, like the web server. A production command started without its environment
    # (`manage.py backup` outside /etc/daotao.env) must refuse, not quietly run in
    # development mode on an empty ./db.sqlite3. Development mode comes from the Makefile
    # (`make run`, `make test`, .env) or from DEBUG=1 in the developer's shell; only the
    # commands above, which touch no data, take it as a default.
    if len(sys.argv) > 1 and sys.argv[1] in SOURCE_COMMANDS:
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
