"""The Open edX playbook's example as real repositories: openedx-animals (3.1.0 on main, 2.5.0
tagged long ago) installed in edx-platform and credentials, pinned 3.1.0 on their main branch
and 2.5.0 on open-release/zebrawood.master, each in a different file format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.gitops.repos import FAY, commit, git

PACKAGE = "openedx-animals"
ZEBRAWOOD = "open-release/zebrawood.master"

ANIMALS_250 = """def greet(name):
    return "hello " + name


def feed(animal):
    return animal + " is fed"
"""
# 3.0.0 rewrote greet; feed is as it was in 2.5.0.
ANIMALS_300 = ANIMALS_250.replace('"hello " + name', 'f"hello {name}"')
# The fix to feed applies cleanly on 2.5.0; the fix to greet touches the line 3.0.0 rewrote.
FEED_FIX = ANIMALS_300.replace('animal + " is fed"', 'escape(animal) + " is fed"')
GREET_FIX = ANIMALS_300.replace('f"hello {name}"', 'f"hello {escape(name)}"')


def pyproject(version: str) -> str:
    return f'[project]\nname = "{PACKAGE}"\nversion = "{version}"  # bumped by releases\n'


def module_init(version: str) -> str:
    return f'"""Animals."""\n\n__version__ = "{version}"\n'


def release(repo: Path, version: str, *, animals: str | None = None) -> str:
    if animals is not None:
        (repo / "animals.py").write_text(animals)
        git(repo, "add", "animals.py")
    (repo / "src/openedx_animals/__init__.py").write_text(module_init(version))
    git(repo, "add", "src/openedx_animals/__init__.py")
    sha = commit(repo, "pyproject.toml", pyproject(version), f"Release {version}")
    git(repo, "tag", "-a", "-m", f"Release {version}", f"v{version}")
    return sha


def build_package(root: Path) -> Path:
    """openedx-animals: v2.5.0, v3.0.0 (greet rewritten), v3.1.0 on main."""
    repo = root / PACKAGE
    (repo / "src/openedx_animals").mkdir(parents=True)
    git(repo, "init", "--quiet", "-b", "main")
    release(repo, "2.5.0", animals=ANIMALS_250)
    release(repo, "3.0.0", animals=ANIMALS_300)
    release(repo, "3.1.0")
    return repo


def add_fix(package: Path, *, conflicting: bool = False, branch: str = "main") -> str:
    """The security fix, merged on the package's main branch unless told otherwise."""
    git(package, "checkout", "--quiet", branch)
    fixed = GREET_FIX if conflicting else FEED_FIX
    return commit(package, "animals.py", fixed, "Escape animal names (EMISSARY-7)", author=FAY)


EDX_REQUIREMENTS = "# Installed everywhere\n-r requirements/base.txt\n"
EDX_BASE = (
    "# Core\n"
    "Django==4.2.9\n"
    'openedx-animals[zoo]=={version} ; python_version >= "3.8"  # the animals\n'
    "requests>=2.31\n"
)
CREDENTIALS_PYPROJECT = (
    "[project]\n"
    'name = "credentials"\n'
    "dependencies = [\n"
    '    "Django==4.2.9",\n'
    '    "openedx-animals=={version}",\n'
    "]\n\n"
    "[project.optional-dependencies]\n"
    'test = ["pytest"]\n'
)
CREDENTIALS_SETUP_CFG = (
    "[metadata]\nname = credentials\n\n"
    "[options]\n"
    "install_requires =\n"
    "    Django==4.2.9\n"
    "    openedx-animals=={version}\n"
)


def build_dependent(root: Path, name: str, files: dict[str, dict[str, str]]) -> Path:
    """A dependent whose branches (main first) each add the given files to a first commit."""
    repo = root / name
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    start = commit(repo, "README", f"{name}\n", "Start")
    for branch, contents in files.items():
        if branch != "main":
            git(repo, "checkout", "--quiet", "-b", branch, start)
        for path, text in contents.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
            git(repo, "add", path)
        git(repo, "commit", "--quiet", "-m", f"Pin the requirements of {branch}")
    git(repo, "checkout", "--quiet", "main")
    return repo


@dataclass(frozen=True)
class Animals:
    package: Path
    edx_platform: Path
    credentials: Path

    @property
    def repos(self) -> dict[str, Path]:
        return {
            PACKAGE: self.package,
            "edx-platform": self.edx_platform,
            "credentials": self.credentials,
        }


def build_animals(root: Path) -> Animals:
    package = build_package(root)
    edx = build_dependent(
        root,
        "edx-platform",
        {
            "main": {
                "requirements.txt": EDX_REQUIREMENTS,
                "requirements/base.txt": EDX_BASE.format(version="3.1.0"),
            },
            ZEBRAWOOD: {
                "requirements.txt": EDX_REQUIREMENTS,
                "requirements/base.txt": EDX_BASE.format(version="2.5.0"),
            },
        },
    )
    credentials = build_dependent(
        root,
        "credentials",
        {
            "main": {"pyproject.toml": CREDENTIALS_PYPROJECT.format(version="3.1.0")},
            ZEBRAWOOD: {"setup.cfg": CREDENTIALS_SETUP_CFG.format(version="2.5.0")},
        },
    )
    return Animals(package, edx, credentials)
