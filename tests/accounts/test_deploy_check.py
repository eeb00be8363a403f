"""`check --deploy` is clean in production settings: HTTPS on, DEBUG off, a long random key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"]


def production_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VULNDESK_", "DJANGO_"))}
    env.update(
        VULNDESK_SECRET_KEY=secrets.token_urlsafe(50),
        VULNDESK_DEBUG="0",
        VULNDESK_HTTPS="1",
        VULNDESK_DATA_DIR=str(data_dir),
        VULNDESK_ALLOWED_HOSTS="vulndesk.example.org",
        DJANGO_SETTINGS_MODULE="vulndesk.settings",
    )
    env.update(overrides)
    return env


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [*CHECK, "--settings=vulndesk.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_deploy_check_is_clean_in_production_settings(tmp_path: Path) -> None:
    done = check(production_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"VULNDESK_HTTPS": "0"}, "security.W008"),  # no redirect to HTTPS
        ({"VULNDESK_DEBUG": "1"}, "security.W018"),
        ({"VULNDESK_SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_the_deploy_check_fails_without_each_part(
    tmp_path: Path, overrides: dict[str, str], warning: str
) -> None:
    done = check(production_env(tmp_path, **overrides))
    assert done.returncode != 0
    assert warning in done.stderr
