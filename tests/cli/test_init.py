"""`vulndesk init`: the data directory, the secret key and the database; twice is fine."""

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import PROCESS_TIMEOUT, run_process


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_init_makes_a_private_data_dir_a_secret_key_and_the_database(
    env: dict[str, str], data_dir: Path
) -> None:
    # The most permissive umask: the modes must come from init itself.
    done = subprocess.run(
        [sys.executable, "-m", "vulndesk", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        check=False,
        umask=0,
    )

    assert done.returncode == 0, done.stderr
    database = data_dir / "vulndesk.sqlite3"
    assert f"wrote a new secret key to {data_dir / 'secret_key'}" in done.stdout
    assert f"vulndesk is ready: data in {data_dir}, database {database}" in done.stdout
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "secret_key") == 0o600
    assert len((data_dir / "secret_key").read_text().strip()) >= 50
    assert mode(database) == 0o600
    assert {"desk_report", "desk_auditevent", "django_session"} <= tables(database)
    assert (data_dir / "static" / "desk" / "desk.css").is_file()
    assert done.stderr == ""


def test_init_twice_keeps_the_key_and_the_data(env: dict[str, str], data_dir: Path) -> None:
    assert run_process(env, "init").returncode == 0
    key = (data_dir / "secret_key").read_text()
    made = run_process(
        env, "createsuperuser", "--noinput", "--username", "alice", "--email", "a@example.org"
    )
    assert made.returncode == 0, made.stderr

    again = run_process(env, "init")

    assert again.returncode == 0, again.stderr
    assert "secret key" not in again.stdout
    assert "vulndesk is ready" in again.stdout
    assert (data_dir / "secret_key").read_text() == key
    with sqlite3.connect(data_dir / "vulndesk.sqlite3") as db:
        assert db.execute("SELECT username FROM auth_user").fetchall() == [("alice",)]


def test_init_warns_when_others_can_open_a_data_dir_made_by_hand(
    env: dict[str, str], data_dir: Path
) -> None:
    data_dir.mkdir()
    data_dir.chmod(0o755)
    done = run_process(env, "init")
    assert done.returncode == 0, done.stderr
    assert f"other users can open {data_dir} (mode 755)" in done.stderr
    assert f"chmod 700 {data_dir}" in done.stderr


def test_init_writes_no_key_file_when_the_key_comes_from_the_environment(
    env: dict[str, str], data_dir: Path
) -> None:
    done = run_process(env | {"VULNDESK_SECRET_KEY": "from-a-secret-store"}, "init")
    assert done.returncode == 0, done.stderr
    assert not (data_dir / "secret_key").exists()
    assert (data_dir / "vulndesk.sqlite3").is_file()
