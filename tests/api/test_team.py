"""`GET /projects/{slug}/team`: the roster with roles, associates' promotable-from dates,
leaves and inactivity flags, for the project's team only."""

from datetime import date, timedelta

from tests.api.conftest import T0, People
from tests.desk.factories import make_member, make_user
from vulndesk.desk.models import TeamMember, TeamRole
from vulndesk.desk.services import governance


def test_the_team_lists_roles_promotable_dates_leaves_and_flags(people: People) -> None:
    emissary = people.cast.emissary
    nia = make_member(emissary, make_user("nia"), TeamRole.ASSOCIATE)
    TeamMember.objects.filter(pk=nia.pk).update(joined_at=T0 - timedelta(days=10))
    alice = TeamMember.objects.get(user=people.cast.alice)
    governance.declare_leave(
        alice, T0.date(), T0.date() + timedelta(days=9), reason="conference", actor=None
    )
    team = people.alice.get("/projects/emissary/team").json()
    members = {member["user"]: member for member in team["members"]}
    assert members["alice"]["role"] == "security_team"
    assert members["alice"]["on_leave"] is True
    assert members["rita"]["role"] == "release_manager"
    # The envoy preset sets no minimum service and no inactivity period.
    assert members["nia"]["promotable_from"] == str((T0 - timedelta(days=10)).date())
    assert members["nia"]["inactive"] is False
    assert team["leaves"] == [
        {
            "user": "alice",
            "starts_on": str(T0.date()),
            "ends_on": str(T0.date() + timedelta(days=9)),
            "reason": "conference",
            "cover": None,
        }
    ]


def test_kar8_an_unreachable_member_is_flagged_and_an_active_one_is_not(people: People) -> None:
    people.cast.emissary.policy_overrides = {"team": {"inactivity": {"after": "P2M"}}}
    people.cast.emissary.save()
    sam = make_member(people.cast.emissary, make_user("sam"))
    TeamMember.objects.filter(pk=sam.pk).update(joined_at=T0 - timedelta(days=90))
    TeamMember.objects.filter(user=people.cast.alice).update(joined_at=T0 - timedelta(days=90))
    members = {m["user"]: m for m in people.alice.get("/projects/emissary/team").json()["members"]}
    assert members["sam"]["inactive"] is True
    assert date.fromisoformat(members["sam"]["inactive_after"]) < T0.date()
    assert members["alice"]["inactive"] is False  # she filed the cast's reports today (KAR-6)


def test_someone_off_the_team_gets_a_404(people: People) -> None:
    assert people.charlie.get("/projects/emissary/team").status_code == 404
    assert people.dave.get("/projects/emissary/team").status_code == 404  # Fix Team only
