"""`vulndesk fix freeze` and `vulndesk fix verify`: the fix as sent to distributors, and what
landed on each branch, from the command line on real git (EMI-42, KAR-41)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk
from tests.desk.integrity_world import World, land, land_all, world

__all__ = ["world"]  # the fixture, shared with the service's tests


def test_freeze_prints_each_branch_with_its_commits_and_patch_ids_KAR_41(world: World) -> None:
    out = vulndesk("fix", "freeze", world.report.key, "--as", "kim")
    lines = out.splitlines()
    assert re.fullmatch(r"main \(from fix/header-main, over [0-9a-f]{12}\):", lines[0])
    assert re.fullmatch(r"  [0-9a-f]{12} [0-9a-f]{12} Reject the crafted header", lines[1])
    assert re.fullmatch(r"release-1\.13 \(from fix/header-1\.13, over [0-9a-f]{12}\):", lines[2])
    assert lines[3].endswith(" Reject the header on 1.13")
    assert lines[4].endswith(" Test the header on 1.13")
    assert lines[5].startswith(f"{world.report.key}: fix frozen at ")


def test_verify_says_every_commit_landed_as_sent_EMI_42(world: World) -> None:
    vulndesk("fix", "freeze", world.report.key)
    land_all(world)
    out = vulndesk("fix", "verify", world.report.key)
    assert out.splitlines() == [
        f"what landed on {world.public}:",
        "main: as sent",
        "release-1.13: as sent",
        f"{world.report.key}: every commit landed as sent to distributors",
    ]


def test_verify_fails_naming_each_difference_KAR_41(world: World) -> None:
    vulndesk("fix", "freeze", world.report.key)
    land(world, "main", "refs/private/fix/header-main")
    land(world, "release-1.13", "refs/private/fix/header-1.13~1")
    with pytest.raises(CommandError, match="what landed is not the fix sent to distributors"):
        vulndesk("fix", "verify", world.report.key)
    out = failing_json(world)
    [branch] = [b for b in out["branches"] if b["branch"] == "release-1.13"]
    assert [(f["kind"], f["subject"]) for f in branch["findings"]] == [
        ("missing", "Test the header on 1.13")
    ]
    assert out["problems"][0].startswith("release-1.13: 'Test the header on 1.13' (")


def failing_json(world: World) -> Any:
    """What `verify --json` printed before it failed."""
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("fix", "verify", world.report.key, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_verify_before_any_freeze_says_to_freeze_first(world: World) -> None:
    with pytest.raises(CommandError, match="was never frozen; freeze it when it goes to"):
        vulndesk("fix", "verify", world.report.key)
