"""The `vulndesk` entry point: its help, and what it says when the data directory is unusable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import LazySettings

from tests.cli.helpers import PROCESS_TIMEOUT, process_env, run_process
from vulndesk import cli

VERBS = [
    "init",
    "demo",
    "serve",
    "worker",
    "smtpd",
    "report",
    "triage",
    "policy",
    "deadlines",
    "audit",
    "team",
    "fix",
    "component",
    "backport",
    "advisory",
    "security-md",
    "democode",
]


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one-line message of a command that stopped before doing anything."""
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("vulndesk: "), done.stderr
    return done.stderr


@pytest.mark.parametrize("args", [[], ["--help"], ["help"]])
def test_help_lists_every_verb(env: dict[str, str], args: list[str]) -> None:
    done = run_process(env, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: vulndesk COMMAND")
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    assert list(lines) == VERBS
    for verb in ("new", "list", "show", "transition", "score", "schedule", "fixed"):
        assert f" {verb}" in lines["report"]
    for verb in ("pause", "resume", "meet"):
        assert f" {verb}" in lines["deadlines"]


def test_a_verb_s_help_works_before_init(env: dict[str, str], data_dir: Path) -> None:
    done = run_process(env, "report", "--help")
    assert done.returncode == 0, done.stderr
    assert "new,list,show,transition,score,schedule,fixed" in done.stdout
    assert not data_dir.exists()


def test_a_missing_data_dir_says_to_run_init_or_set_the_variable(
    env: dict[str, str], data_dir: Path
) -> None:
    message = refused(run_process(env, "report", "list"))
    assert f"the data directory {data_dir} does not exist" in message
    assert "Run `vulndesk init`" in message
    assert "set VULNDESK_DATA_DIR" in message
    assert not data_dir.exists()


def test_a_data_dir_without_a_secret_key_says_to_run_init(
    env: dict[str, str], data_dir: Path
) -> None:
    data_dir.mkdir(mode=0o700)
    message = refused(run_process(env, "deadlines"))
    assert f"there is no secret key in {data_dir / 'secret_key'}" in message
    assert "Run `vulndesk init`" in message
    assert "VULNDESK_SECRET_KEY" in message


@pytest.mark.parametrize("verb", ["report", "init", "policy"])
def test_a_data_dir_that_is_a_file_is_named_as_one(
    env: dict[str, str], data_dir: Path, verb: str
) -> None:
    data_dir.write_text("not a directory\n")
    message = refused(run_process(env, verb, "list" if verb == "report" else "--help"))
    assert f"the data directory {data_dir} is a file, not a directory" in message
    assert "Set VULNDESK_DATA_DIR to a directory" in message


def test_a_data_dir_inside_a_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "vulndesk-data"
    blocker.write_text("not a directory\n")
    message = refused(run_process(process_env(blocker / "inner"), "init"))
    assert f"cannot be used: {blocker} is a file, not a directory" in message


def test_an_unusable_data_dir_says_to_fix_its_permissions(
    tmp_path: Path, settings: LazySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, because the tests may run as root, whom no permission bit stops."""
    settings.DATA_DIR = tmp_path
    settings.SECRET_KEY_FILE = tmp_path / "secret_key"
    monkeypatch.delenv("VULNDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("VULNDESK_SECRET_KEY", raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)

    with pytest.raises(SystemExit) as stopped:
        cli.main(["report", "list"])

    assert stopped.value.code == (
        f"vulndesk: the data directory {tmp_path} is not readable and writable by this user. "
        "Fix its permissions, or set VULNDESK_DATA_DIR to another directory."
    )


def test_a_bad_setting_is_one_line_naming_the_variable(env: dict[str, str]) -> None:
    message = refused(run_process(env | {"VULNDESK_DEBUG": "maybe"}, "policy", "show", "envoy"))
    assert "VULNDESK_DEBUG='maybe': expected one of" in message


def test_output_cut_short_by_the_reader_ends_quietly(env: dict[str, str]) -> None:
    """`vulndesk policy show envoy | head -1`: the reader goes away before vulndesk is done."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vulndesk", "policy", "show", "envoy"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=PROCESS_TIMEOUT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""


def test_a_database_without_its_tables_says_to_run_init(
    env: dict[str, str], data_dir: Path
) -> None:
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("a key made by hand\n")
    result = run_process(env, "report", "list")
    assert result.returncode != 0
    assert "not up to date" in result.stderr
    assert "vulndesk init" in result.stderr
    assert "Traceback" not in result.stderr
