#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # reads evadaily/settings.py, which checks the environment
    except ImproperlyConfigured as error:
        # A variable set wrong: the line that names it, without a traceback.
        sys.exit(f"ImproperlyConfigured: {error}")
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except DatabaseError as error:
        # The database away (a restart while cron runs send_edition): one line, not
        # forty of traceback. A query that is wrong, with the database there, keeps its.
        if "--traceback" in sys.argv or _database_reachable():
            raise
        said = str(error).strip().splitlines() or [type(error).__name__]
        sys.exit(f"The database in DATABASE_URL could not be reached: {said[0]}")


def _database_reachable():
    """Whether a new connection to the database opens (the command's own may be broken)."""
    from django.db import connection

    try:
        connection.get_new_connection(connection.get_connection_params()).close()
    except Exception:
        return False
    return True


if __name__ == "__main__":
    main()
