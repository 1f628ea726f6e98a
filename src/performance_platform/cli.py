"""The ``performance-platform`` console script: Django's manage.py under a proper name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command (``serve``, ``migrate``, ``import-config``, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performance_platform.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(
        ["performance-platform", *(argv if argv is not None else sys.argv[1:])]
    )


if __name__ == "__main__":
    main()
