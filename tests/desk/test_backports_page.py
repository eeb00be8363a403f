"""The report page's "Backports" section: every step in order with its repository, branch,
versions and status, a conflict's file and hunk, and the forms for those who may run backports
(queued for the worker); outsiders get 404, viewers without the right 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.backport_world import World, build_world
from tests.gitops.animals import PACKAGE, ZEBRAWOOD
from vulndesk.desk.models import Backport
from vulndesk.desk.services import backports

KWARGS = {"project": "openedx", "number": 1}


@pytest.fixture
def conflicted(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path, conflicting=True)


def client_of(world: World, name: str) -> Client:
    client = Client()
    sign_in(client, getattr(world, name))
    return client


def page(client: Client) -> str:
    response = client.get(reverse("report-detail", kwargs=KWARGS))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    return html[html.index('<section id="backports"') :].split("</section>")[0]


def test_the_page_lists_every_step_with_its_status_and_the_conflict(conflicted: World) -> None:
    world = conflicted
    backport = backports.plan(world.report, world.package, [world.fix], actor=world.bob)
    backports.execute(backport, actor=world.bob)
    shown = section(page(client_of(world, "bob")))
    rows = shown.split('<tr class="step ')[1:]
    assert len(rows) == 9
    assert rows[0].startswith("step-done")
    assert "merge fix" in rows[0]
    assert "3.1.0 → 3.1.1" in rows[1]
    assert "tag <code>v2.5.1</code>, not latest" in rows[6]
    assert rows[5].startswith("step-conflict")
    assert "Conflict in <code>animals.py</code>" in rows[5]
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt;" in rows[5]  # the hunk, escaped
    assert rows[6].startswith("step-blocked")
    assert f"<code>{ZEBRAWOOD}</code>" in rows[8]
    assert "Execute" in shown
    assert "Plan backport" in shown


def test_a_viewer_sees_the_steps_but_no_forms_and_an_outsider_nothing(conflicted: World) -> None:
    world = conflicted
    backports.plan(world.report, world.package, [world.fix], actor=world.bob)
    shown = section(page(client_of(world, "vera")))
    assert "security/2.5.1" in shown
    assert "<form" not in shown
    backport = Backport.objects.get()
    url = reverse("report-backport-execute", kwargs={**KWARGS, "backport": backport.pk})
    assert client_of(world, "vera").post(url, {"push": "on"}).status_code == 403
    outsider = client_of(world, "charlie")
    assert outsider.get(reverse("report-detail", kwargs=KWARGS)).status_code == 404
    assert outsider.post(url, {}).status_code == 404


def test_planning_from_the_page_is_queued_and_the_worker_fills_the_steps(
    conflicted: World,
) -> None:
    world = conflicted
    alice = client_of(world, "alice")
    response = alice.post(
        reverse("report-backport-plan", kwargs=KWARGS),
        {
            "package": PACKAGE,
            "fix_commits": world.fix[:12],
            "compatibility": "same_major",
            "decisions": "2.5.0=no",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#backports")
    assert "Queued for the worker: plan." in section(page(alice))
    backport = Backport.objects.get()
    assert backports.run_job(backport.pk, world.alice.pk) == "plan done"
    shown = section(page(alice))
    assert "security/2.5.1" in shown
    assert "Queued for the worker" not in shown


def test_bad_input_comes_back_next_to_the_field(conflicted: World) -> None:
    world = conflicted
    bob = client_of(world, "bob")
    response = bob.post(
        reverse("report-backport-plan", kwargs=KWARGS),
        {
            "package": PACKAGE,
            "fix_commits": "abc1234",
            "compatibility": "sometimes",
            "decisions": "2.5",
        },
    )
    assert response.status_code == 400
    html = section(response.content.decode())
    assert "write VERSION=yes or VERSION=no" in html
    assert "Select a valid choice" in html
    backport = Backport.objects.create(report=world.report, package=world.package)
    url = reverse("report-backport-dry-run", kwargs={**KWARGS, "backport": backport.pk})
    refused = bob.post(url, {})
    assert refused.status_code == 400
    assert "is not planned yet" in refused.content.decode()
