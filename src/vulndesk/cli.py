"""The `vulndesk` command: Django management commands behind one entry point."""

import os
import sys
from pathlib import Path

VERBS = {
    "init": "create the data directory, the secret key and the database",
    "demo": "load demo projects (one per preset) and a demo login; safe to run twice",
    "serve": "run the web server and the task worker (127.0.0.1:8000 by default)",
    "worker": "run task workers alone (several may run, on several machines)",
    "smtpd": "receive mail to the projects' security addresses as reports (127.0.0.1:8025)",
    "report": "new | list | show | transition | score | schedule | fixed | component | …",
    "triage": "KEY --scope … --layer …: record triage answers (the FOLIO questionnaire)",
    "policy": "show NAME | check FILE",
    "deadlines": "due and overdue deadlines, soonest first; pause | resume | meet one",
    "audit": "verify: check the audit chain for changed or deleted rows",
    "team": "list | nominate | decide | leave | inactive | vote: a project's team (KAR-2…9)",
    "fix": "repo | sync | test | review: a report's private repository, fix branches, tests",
    "component": "add | list | rename | owners: a project's components and their owners",
    "backport": "plan | dry-run | execute | show | package | dependent: a fix's backports",
    "advisory": "export KEY --format osv|cve|md: a report's advisory on stdout",
    "security-md": "PROJECT: the project's SECURITY.md, written from its policy, on stdout",
    "democode": "the demo login's current two-factor code",
}
# Commands that must work before `vulndesk init` has made the data directory.
# Commands that read or write the database, and so need its tables up to date.
NEEDS_DATABASE = {
    "demo",
    "serve",
    "worker",
    "smtpd",
    "report",
    "triage",
    "deadlines",
    "audit",
    "team",
    "fix",
    "component",
    "backport",
    "advisory",
    "security-md",
    "democode",
}
NEEDS_NO_DATA_DIR = {"init", "policy", "help", "--help", "-h", "version", "--version"}


def usage() -> str:
    width = max(map(len, VERBS))
    lines = ["usage: vulndesk COMMAND [options]   (vulndesk COMMAND --help for its options)", ""]
    lines += [f"  {verb.ljust(width)}  {text}" for verb, text in VERBS.items()]
    lines += ["", "Django's own management commands (migrate, createsuperuser, …) work too."]
    return "\n".join(lines)


def not_a_directory(data_dir: Path, file: Path) -> str:
    where = "" if file == data_dir else f" cannot be used: {file}"
    return (
        f"the data directory {data_dir}{where} is a file, not a directory. Set "
        "VULNDESK_DATA_DIR to a directory (`vulndesk init` creates it), or move the file away."
    )


def data_dir_file_problem() -> str | None:
    """A VULNDESK_DATA_DIR that is a file, or inside one. Checked before Django starts, because
    the settings read the secret key from the data directory as they load."""
    configured = os.environ.get("VULNDESK_DATA_DIR")
    if not configured:
        return None
    data_dir = Path(configured).expanduser().absolute()
    for path in (data_dir, *data_dir.parents):
        try:
            if path.exists() and not path.is_dir():
                return not_a_directory(data_dir, path)
        except OSError:  # not ours to enter; data_dir_problem() says so
            return None
    return None


def data_dir_problem() -> str | None:
    """Say what to do when the data directory the settings point at cannot be used."""
    from django.conf import settings

    # The data directory holds the SQLite database and the secret key, unless both come
    # from elsewhere.
    if os.environ.get("VULNDESK_DATABASE_URL") and os.environ.get("VULNDESK_SECRET_KEY"):
        return None
    data_dir: Path = settings.DATA_DIR
    try:
        exists, is_dir = data_dir.exists(), data_dir.is_dir()
    except OSError as exc:  # a parent directory this user may not enter
        return (
            f"cannot reach the data directory {data_dir}: {exc.strerror}. Fix the permissions "
            "of the directories above it, or set VULNDESK_DATA_DIR to another directory."
        )
    if exists and not is_dir:
        return not_a_directory(data_dir, data_dir)
    if not exists:
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


def database_problem() -> str | None:
    """Say what to do when the database is missing tables this version of vulndesk needs."""
    import django
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"cannot open the database: {exc}. Check VULNDESK_DATABASE_URL; run `vulndesk init`."
    if pending:
        return "the database is not up to date with this version. Run `vulndesk init` first."
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vulndesk.settings")
    if not args or (args[0] in {"-h", "--help", "help"} and len(args) == 1):
        print(usage())
        return
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # `vulndesk report --help` works before `vulndesk init`, as `vulndesk policy` does.
    needs_data_dir = args[0] not in NEEDS_NO_DATA_DIR and not {"-h", "--help"} & set(args)
    try:
        problem = data_dir_file_problem() or (data_dir_problem() if needs_data_dir else None)
        if not problem and needs_data_dir and args[0] in NEEDS_DATABASE:
            problem = database_problem()
        if problem:
            sys.exit(f"vulndesk: {problem}")
        # Verbs read best hyphenated; Django names a command after its module.
        command = args[0].replace("-", "_") if args[0] in VERBS else args[0]
        execute_from_command_line(["vulndesk", command, *args[1:]])
    except ImproperlyConfigured as exc:  # a bad VULNDESK_* value: the message says which
        sys.exit(f"vulndesk: {exc}")
    except BrokenPipeError:
        # The reader went away (`vulndesk report list | head`): stop quietly, as `ls` does.
        # Point stdout at /dev/null so that flushing it at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
