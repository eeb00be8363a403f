"""Fixtures for running `vulndesk` as a real process, each with a data directory of its own."""

from pathlib import Path

import pytest

from tests.cli.helpers import process_env, run_process


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Where a `vulndesk` process keeps its data; not created: that is `vulndesk init`'s job."""
    return tmp_path / "vulndesk-data"


@pytest.fixture
def env(data_dir: Path) -> dict[str, str]:
    return process_env(data_dir)


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data directory after `vulndesk init` and `vulndesk demo`, shared by the slow tests."""
    env = process_env(tmp_path_factory.mktemp("demo") / "vulndesk-data")
    for verb in ("init", "demo"):
        done = run_process(env, verb)
        assert done.returncode == 0, done.stderr
    return env
