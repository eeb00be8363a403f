"""The `vulndesk` command: Django management commands behind one entry point."""

import os
import sys

VERBS = {
    "init": "create the data directory, the secret key and the database",
    "demo": "load demo projects (one per preset) and a demo login; safe to run twice",
    "serve": "run the web server and the task worker (127.0.0.1:8000 by default)",
    "worker": "run task workers alone (several may run, on several machines)",
    "report": "new | list | show | transition | score",
    "policy": "show NAME | check FILE",
    "deadlines": "due and overdue deadlines, soonest first",
    "audit": "verify: check the audit chain for changed or deleted rows",
}
# Commands that must work before `vulndesk init` has made the data directory.
NEEDS_NO_DATA_DIR = {"init", "policy", "help", "--help", "-h", "version", "--version"}


def usage() -> str:
    width = max(map(len, VERBS))
    lines = ["usage: vulndesk COMMAND [options]   (vulndesk COMMAND --help for its options)", ""]
    lines += [f"  {verb.ljust(width)}  {text}" for verb, text in VERBS.items()]
    lines += ["", "Django's own management commands (migrate, createsuperuser, …) work too."]
    return "\n".join(lines)


def data_dir_problem() -> str | None:
    """Say what to do when the data directory the settings point at cannot be used."""
    from django.conf import settings

    # The data directory holds the SQLite database and the secret key, unless both come
    # from elsewhere.
    if os.environ.get("VULNDESK_DATABASE_URL") and os.environ.get("VULNDESK_SECRET_KEY"):
        return None
    data_dir = settings.DATA_DIR
    if not data_dir.is_dir():
        return (
            f"the data directory {data_dir} does not exist. Run `vulndesk init` to create it, "
            "or set VULNDESK_DATA_DIR to an existing directory."
        )
    if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
        return (
            f"the data directory {data_dir} is not readable and writable by this user. "
            "Fix its permissions, or set VULNDESK_DATA_DIR to another directory."
        )
    if not os.environ.get("VULNDESK_SECRET_KEY") and not settings.SECRET_KEY_FILE.is_file():
        return (
            f"there is no secret key in {settings.SECRET_KEY_FILE}. Run `vulndesk init` to "
            "make one, or set VULNDESK_SECRET_KEY."
        )
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vulndesk.settings")
    if not args or (args[0] in {"-h", "--help", "help"} and len(args) == 1):
        print(usage())
        return
    if args[0] not in NEEDS_NO_DATA_DIR and (problem := data_dir_problem()):
        sys.exit(f"vulndesk: {problem}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["vulndesk", *args])
