"""The guards on publishing an advisory (RELEASED -> PUBLISHED): the world learns of a fix only
once it can be installed and the embargo is over.

1. The embargo has ended: the Release Date has come, unless the report is on the public path
   (the vulnerability is public already, so waiting protects nobody).
2. Every fixed version the advisory names exists as a tag in its package's repository. A fixed
   version whose package has no registered repository cannot be checked, so it fails the guard
   too: the message says to register the repository, or to publish anyway with a reason.

The service reads the tags (git) and passes what it found in; this module only judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EMBARGO = "embargo"
TAGS = "fixed versions tagged"


@dataclass(frozen=True)
class FixedTag:
    """One fixed version the advisory names, and what its repository says of it."""

    what: str  # "openedx-animals 1.0.1 (zebrawood)" or "Emissary-ingress 1.0.1"
    tags: tuple[str, ...]  # the tags that would name it, e.g. ("v1.0.1",)
    repository: str = ""  # as shown to people (no password); "" when none is registered
    found: bool = False
    error: str = ""  # why the repository could not be read
    # How to give it a repository, when it has none.
    register: str = "register the package with its repository"


@dataclass(frozen=True)
class PublicationFacts:
    now: datetime
    release_date: datetime | None
    on_public_path: bool
    fixed: tuple[FixedTag, ...] = ()


@dataclass(frozen=True)
class Problem:
    guard: str
    message: str

    def __str__(self) -> str:
        return f"{self.guard}: {self.message}"


def publication_problems(facts: PublicationFacts) -> list[Problem]:
    """Each guard that fails, saying how to meet it; empty when the advisory may go out."""
    return [*_embargo(facts), *(p for fixed in facts.fixed for p in _tag(fixed))]


def _embargo(facts: PublicationFacts) -> list[Problem]:
    if facts.on_public_path:
        return []
    if facts.release_date is None:
        return [Problem(EMBARGO, "no Release Date is set: schedule the release first")]
    if facts.now < facts.release_date:
        return [
            Problem(
                EMBARGO,
                f"the embargo lasts until the Release Date, {facts.release_date:%Y-%m-%d %H:%M} "
                "UTC: publish then, or move the Release Date",
            )
        ]
    return []


def _tag(fixed: FixedTag) -> list[Problem]:
    wanted = " or ".join(fixed.tags)
    if not fixed.repository:
        return [
            Problem(
                TAGS,
                f"{fixed.what}: no repository is registered to check for tag {wanted}: "
                f"{fixed.register}, or publish anyway with a reason",
            )
        ]
    if fixed.error:
        return [
            Problem(
                TAGS,
                f"{fixed.what}: the repository {fixed.repository} could not be read "
                f"({fixed.error}): make it reachable from this server, or publish anyway with "
                "a reason",
            )
        ]
    if not fixed.found:
        return [
            Problem(
                TAGS,
                f"{fixed.what}: {fixed.repository} has no tag {wanted}: release and tag the "
                "fixed version first (or correct the fixed version)",
            )
        ]
    return []
