"""One run at a time in a report's backport clones: while an execute runs (in another thread,
held at its first progress tick), `vulndesk backport execute`, `dry-run` and `plan` and the
worker's queued dry run are turned away at once naming it, and change nothing; afterwards the
next run goes ahead (OEDX-11: a half-made backport is never touched by two runs)."""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from tests.desk.backport_world import World, build_world
from tests.gitops.animals import PACKAGE
from vulndesk.desk.models import Backport
from vulndesk.desk.services import backports
from vulndesk.gitops import refs

pytestmark = pytest.mark.django_db(transaction=True)
HELD = (
    "OPENEDX-1's backport clones are in use by `vulndesk backport execute` of openedx-animals "
    f"for OPENEDX-1 as bob (process {os.getpid()} on "
)


@pytest.fixture
def world(tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path)


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("backport", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def statuses(backport: Backport) -> set[str]:
    return set(backport.steps.values_list("status", flat=True))


def test_a_second_run_is_turned_away_naming_the_one_that_holds_the_clones(world: World) -> None:
    backport = backports.plan(world.report, world.package, [world.fix], actor=world.bob)
    inside, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold(what: str, total: int) -> None:
        inside.set()
        release.wait(timeout=60)

    def first_run() -> None:
        try:
            backports.execute(Backport.objects.get(pk=backport.pk), actor=world.bob, progress=hold)
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert inside.wait(timeout=60)
        package_clone = backports.clone_dir(world.report, PACKAGE)
        before = refs(package_clone)
        for args in (
            ("execute", "OPENEDX-1", "--as", "rita"),
            ("dry-run", "OPENEDX-1"),
            ("plan", "OPENEDX-1", "--package", PACKAGE, "--fix", world.fix),
        ):
            with pytest.raises(CommandError) as refused:
                cli(*args)
            assert str(refused.value).startswith("job: " + HELD)
            assert str(refused.value).endswith(
                "wait for it to finish, look at what it did, then run again"
            )

        # The worker's queued dry run is refused the same way, and keeps the reason for the page.
        backports.request_job(backport, "dry_run", actor=world.rita)
        assert backports.run_job(backport.pk, world.rita.pk).startswith("job: " + HELD)
        backport.refresh_from_db()
        assert backport.job == ""
        assert HELD in backport.job_error

        # Nothing the turned-away runs could have done happened.
        assert statuses(backport) == {"pending"}
        assert backport.steps.exclude(checked="").count() == 0
        assert refs(package_clone) == before
    finally:
        release.set()
        thread.join(timeout=120)
    assert failures == []
    assert statuses(backport) == {"done"}

    # The clones are free again: the next run goes ahead and finds everything done.
    again = json.loads(cli("execute", "OPENEDX-1", "--json"))
    release = next(step for step in again["steps"] if step["id"] == "release:3.1.1")
    assert (release["status"], release["detail"]) == ("done", "v3.1.1 already marks 3.1.1 on main")
