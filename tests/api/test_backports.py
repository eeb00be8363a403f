"""/api/v1 backports on real git: packages and dependents registered, the seed's example planned,
dry-run and executed by the worker (202, then GET shows each step's status); outsiders get 404,
viewers without the right 403, bad input 422 naming the field (OEDX-4 to OEDX-14)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command

from tests.api.conftest import Api, token_for
from tests.desk.backport_world import SEED_STEPS, World, build_world
from tests.gitops.animals import PACKAGE, ZEBRAWOOD
from tests.gitops.repos import git
from vulndesk.desk.models import Dependent

REPORT = "/reports/openedx/1"


@pytest.fixture
def world(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path)


def api(world: World, name: str) -> Api:
    return Api(token_for(getattr(world, name)))


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_plan_dry_run_and_execute_through_the_worker(world: World) -> None:
    bob = api(world, "bob")
    queued = bob.post(f"{REPORT}/backports", {"package": PACKAGE, "fix_commits": [world.fix]})
    assert queued.status_code == 202, queued.json()
    assert (queued.json()["job"], queued.json()["steps"]) == ("plan", [])
    run_worker()

    [backport] = bob.get(f"{REPORT}/backports").json()
    assert backport["job"] is None
    steps = [(s["kind"], s["repository"], s["branch"], s["version"]) for s in backport["steps"]]
    assert steps == SEED_STEPS
    assert {s["status"] for s in backport["steps"]} == {"pending"}

    assert bob.post(f"{REPORT}/backports/{backport['id']}/dry-run", {}).status_code == 202
    run_worker()
    [backport] = bob.get(f"{REPORT}/backports").json()
    [pick] = [s for s in backport["steps"] if s["kind"] == "cherry_pick"]
    assert pick["checked"] == "clean"

    done = bob.post(f"{REPORT}/backports/{backport['id']}/execute", {"push": True})
    assert done.status_code == 202
    assert done.json()["job"] == "execute"
    run_worker()
    [backport] = bob.get(f"{REPORT}/backports").json()
    assert {s["status"] for s in backport["steps"]} == {"done"}
    assert "v2.5.1" in git(world.private[PACKAGE], "tag", "--list")
    assert "2.5.1" in world.read(world.private["credentials"], ZEBRAWOOD, "setup.cfg")


def test_a_second_job_while_one_is_queued_is_a_422_naming_the_job(world: World) -> None:
    alice = api(world, "alice")
    alice.post(f"{REPORT}/backports", {"package": PACKAGE, "fix_commits": [world.fix]})
    again = alice.post(f"{REPORT}/backports", {"package": PACKAGE, "fix_commits": [world.fix]})
    assert again.status_code == 422
    assert again.json()["field"] == "body.job"
    assert "already queued" in again.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"package": "nope", "fix_commits": ["abcdef1"]}, "body.package"),
        ({"package": PACKAGE, "fix_commits": ["xyz"]}, "body.fix_commits.0"),
        ({"package": PACKAGE, "fix_commits": []}, "body.fix_commits"),
        (
            {"package": PACKAGE, "fix_commits": ["abcdef1"], "compatibility": "often"},
            "body.compatibility",
        ),
        ({"package": PACKAGE, "fix_commits": ["abcdef1"], "decisions": {"2.5.0": "no"}}, None),
    ],
)
def test_bad_plan_input_is_a_422_naming_the_field(
    world: World, body: dict[str, object], field: str | None
) -> None:
    response = api(world, "alice").post(f"{REPORT}/backports", body)
    assert response.status_code == 422
    if field is not None:
        assert response.json()["field"] == field
    else:
        assert response.json()["field"].startswith("body.decisions")


def test_outsiders_get_404_and_viewers_without_the_right_403(world: World) -> None:
    charlie, vera = api(world, "charlie"), api(world, "vera")
    body = {"package": PACKAGE, "fix_commits": [world.fix]}
    assert charlie.get(f"{REPORT}/backports").status_code == 404
    assert charlie.post(f"{REPORT}/backports", body).status_code == 404
    assert charlie.get("/projects/openedx/packages").status_code == 404
    # vera is on the Fix Team: she reads the plans but does not run them.
    assert vera.get(f"{REPORT}/backports").status_code == 200
    refused = vera.post(f"{REPORT}/backports", body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    # rita, the release manager, does not see the embargoed report at all.
    assert api(world, "rita").get(f"{REPORT}/backports").status_code == 404
    assert Api(None).get(f"{REPORT}/backports").status_code == 401


def test_packages_and_dependents_are_listed_and_registered(world: World) -> None:
    alice = api(world, "alice")
    assert [p["name"] for p in alice.get("/projects/openedx/packages").json()] == [PACKAGE]
    listed = alice.get("/projects/openedx/dependents").json()
    assert [d["name"] for d in listed] == ["edx-platform", "credentials"]
    assert listed[0]["branches"][1] == {"branch": ZEBRAWOOD, "line": "zebrawood"}

    made = alice.post(
        "/projects/openedx/dependents",
        {
            "name": "ecommerce",
            "repository": str(world.upstream.credentials),
            "branches": [{"branch": "main"}, {"branch": ZEBRAWOOD, "line": "zebrawood"}],
        },
    )
    assert made.status_code == 201, made.json()
    assert Dependent.objects.get(name="ecommerce").branches.count() == 2

    unknown = alice.post(
        "/projects/openedx/dependents",
        {
            "name": "discovery",
            "repository": str(world.upstream.credentials),
            "branches": [{"branch": "x", "line": "quince"}],
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "body.branches"
    bad = alice.post(
        "/projects/openedx/packages",
        {"name": "leftpad", "ecosystem": "npm", "repository": "ext::sh -c id"},
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "body.repository")
    # bob leads one fix; registering packages is the security team's and release managers'.
    refused = api(world, "bob").post(
        "/projects/openedx/packages",
        {"name": "leftpad", "ecosystem": "npm", "repository": str(world.upstream.package)},
    )
    assert refused.status_code in {403, 404}
