from pathlib import Path

import pytest

from tests.gitops.repos import Repos, build_repos


@pytest.fixture
def repos(tmp_path: Path) -> Repos:
    return build_repos(tmp_path)
