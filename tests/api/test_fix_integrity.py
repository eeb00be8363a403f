"""`GET /reports/{project}/{number}/integrity` and `POST …/integrity/freeze` and `…/check`:
release-day integrity over the API, on real git (EMI-42, KAR-41). Those who manage the fix
use them; the Fix Team, who see the report, get 403; anyone else 404."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from tests.api.conftest import Api
from tests.desk.factories import make_user
from tests.desk.integrity_world import World, land, land_all, world
from vulndesk.accounts.models import TokenScope
from vulndesk.accounts.tokens import issue_token
from vulndesk.desk.models import AuditEvent, FixFreeze, FixTeamMember

__all__ = ["world"]  # the fixture


def api_for(user: User) -> Api:
    _, raw = issue_token(user, name="test", scope=TokenScope.WRITE, lifetime=timedelta(days=7))
    return Api(raw)


def path(world: World, tail: str = "") -> str:
    return f"/reports/karmada/{world.report.number}/integrity{tail}"


def test_the_fix_is_frozen_then_checked_and_nothing_stops_the_release_KAR_41(
    world: World,
) -> None:
    api = api_for(world.kim)
    before = api.get(path(world))
    assert before.status_code == 200, before.json()
    assert before.json()["frozen_fix_required"] is True
    assert before.json()["frozen_at"] is None
    assert before.json()["problems"][0].startswith("the fix was never frozen")
    frozen = api.post(path(world, "/freeze"), {})
    assert frozen.status_code == 201, frozen.json()
    body = frozen.json()
    assert body["frozen_by"] == "kim"
    assert [b["branch"] for b in body["sent"]] == ["main", "release-1.13"]
    assert body["problems"][0].startswith("what landed was not checked")
    land_all(world)
    checked = api.post(path(world, "/check"), {})
    assert checked.status_code == 200, checked.json()
    assert checked.json()["problems"] == []
    assert checked.json()["repository"] == str(world.public)
    assert [len(b["landed"]) for b in checked.json()["landed"]] == [1, 2]
    assert api.get(path(world)).json() == checked.json()


def test_a_difference_is_listed_with_its_kind_branch_and_subject_EMI_42(world: World) -> None:
    api = api_for(world.kim)
    api.post(path(world, "/freeze"), {})
    land(world, "main", "refs/private/fix/header-main")
    checked = api.post(path(world, "/check"), {}).json()
    [release_line] = [b for b in checked["landed"] if b["branch"] == "release-1.13"]
    assert [(f["kind"], f["subject"]) for f in release_line["findings"]] == [
        ("missing", "Reject the header on 1.13"),
        ("missing", "Test the header on 1.13"),
    ]
    assert len(checked["problems"]) == 2
    assert checked["problems"][0].startswith("release-1.13: 'Reject the header on 1.13' (")


def test_checking_a_fix_never_frozen_is_a_422_and_writes_nothing(world: World) -> None:
    api = api_for(world.kim)
    events = AuditEvent.objects.count()
    response = api.post(path(world, "/check"), {})
    assert response.status_code == 422, response.json()
    assert "was never frozen" in response.json()["message"]
    assert AuditEvent.objects.count() == events


def test_the_fix_team_gets_403_and_an_outsider_404(world: World) -> None:
    fay, charlie = make_user("fay"), make_user("charlie")
    FixTeamMember.objects.create(report=world.report, user=fay, accepted_at=timezone.now())
    for user, status in ((fay, 403), (charlie, 404)):
        api = api_for(user)
        assert api.get(path(world)).status_code == status
        assert api.post(path(world, "/freeze"), {}).status_code == status
        assert api.post(path(world, "/check"), {}).status_code == status
    assert not FixFreeze.objects.exists()
