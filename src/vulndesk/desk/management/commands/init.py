import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the data directory, a secret key and the database tables. Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = settings.DATA_DIR
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(
                f"cannot create the data directory {data_dir}: {exc.strerror}. "
                "Set VULNDESK_DATA_DIR to a directory you can write."
            ) from exc
        if (mode := data_dir.stat().st_mode & 0o777) & 0o077:
            # Made before `vulndesk init`, by hand: the database in it holds embargoed reports.
            self.stderr.write(
                f"warning: other users can open {data_dir} (mode {mode:o}), which holds "
                f"embargoed reports. Run `chmod 700 {data_dir}`."
            )
        key_file: Path = settings.SECRET_KEY_FILE
        if not os.environ.get("VULNDESK_SECRET_KEY") and not key_file.exists():
            key = secrets.token_urlsafe(50)
            key_file.touch(mode=0o600)
            key_file.write_text(key + "\n")
            settings.SECRET_KEY = key
            self.stdout.write(f"wrote a new secret key to {key_file}")
        call_command("migrate", interactive=False, verbosity=0)
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            Path(database["NAME"]).chmod(0o600)  # SQLite gives its journal files the same mode
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"vulndesk is ready: data in {data_dir}, database {_where()}")


def _where() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return str(database["NAME"])
    return f"{database['NAME']} on {database.get('HOST') or 'localhost'}"
