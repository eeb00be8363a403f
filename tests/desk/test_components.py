"""Components and their owners: a report's component proposes its Fix Team (FOLIO-27), and the
proposal gives the owners no access until they are invited (FOLIO-28)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.cast import Cast, make_cast
from tests.desk.factories import make_project, make_user
from vulndesk.desk.models import AuditEvent, Component, FixTeamMember, Report
from vulndesk.desk.services import components

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast() -> Cast:
    return make_cast()


@pytest.fixture
def proxy(cast: Cast) -> Component:
    """Emissary's proxy component, owned by olga and pat."""
    component = components.create_component(cast.emissary, "proxy", actor=cast.alice)
    return components.set_owners(component, [make_user("pat"), make_user("olga")], actor=cast.alice)


def test_folio27_the_report_page_proposes_the_components_owners_with_invite_buttons(
    client: Client, cast: Cast, proxy: Component
) -> None:
    sign_in(client, cast.alice)
    url = reverse("report-component", args=[cast.emissary.slug, cast.leak.number])
    response = client.post(url, {"component": proxy.pk, "version": cast.leak.version})
    assert response.status_code == 302
    page = client.get(cast.leak.get_absolute_url()).content.decode()
    assert "Proposed Fix Team" in page
    invite = reverse("report-fix-team-invite", args=[cast.emissary.slug, cast.leak.number])
    assert page.count(f'action="{invite}"') >= 2
    for owner in ("olga", "pat"):
        assert f'name="username" value="{owner}"' in page


def test_folio28_an_owner_who_is_not_invited_does_not_see_the_report(
    client: Client, cast: Cast, proxy: Component
) -> None:
    components.set_report_component(cast.leak, proxy, actor=cast.alice)
    olga = proxy.owners.get(username="olga")
    sign_in(client, olga)
    assert client.get(cast.leak.get_absolute_url()).status_code == 404
    assert cast.leak.title not in client.get(reverse("report-list")).content.decode()


def test_those_who_read_but_do_not_triage_see_the_proposal_without_buttons(
    client: Client, cast: Cast, proxy: Component
) -> None:
    components.set_report_component(cast.crash, proxy, actor=cast.alice)
    sign_in(client, cast.bob)  # Fix Lead of the crash report: he triages it
    assert "Invite olga" in client.get(cast.crash.get_absolute_url()).content.decode()
    Report.objects.filter(pk=cast.crash.pk).update(fix_lead=None)
    FixTeamMember.objects.create(report=cast.crash, user=cast.bob, accepted_at=timezone.now())
    page = client.get(cast.crash.get_absolute_url()).content.decode()
    assert "Proposed Fix Team" in page
    assert "Invite olga" not in page


def test_setting_a_reports_component_is_audited_and_bumps_its_version(
    cast: Cast, proxy: Component
) -> None:
    before = cast.leak.version
    report = components.set_report_component(cast.leak, proxy, actor=cast.alice)
    assert (report.component, report.version) == (proxy, before + 1)
    event = AuditEvent.objects.get(action="report.component_set")
    assert (event.report, event.data["component"]) == (report, "proxy")


def test_a_component_of_another_project_is_refused(cast: Cast) -> None:
    other = components.create_component(make_project("vitess"), "vtgate", actor=None)
    with pytest.raises(ValueError, match="component: vtgate is not a component of this project"):
        components.set_report_component(cast.leak, other, actor=cast.alice)


def test_component_names_are_unique_per_project_and_renames_are_audited(
    cast: Cast, proxy: Component
) -> None:
    with pytest.raises(ValueError, match="name: this project already has a component named"):
        components.create_component(cast.emissary, " proxy ", actor=cast.alice)
    components.rename_component(proxy, "edge proxy", actor=cast.alice)
    actions = AuditEvent.objects.filter(project=cast.emissary).values_list("action", flat=True)
    assert {"component.created", "component.owners_set", "component.renamed"} <= set(actions)


def test_only_the_security_team_changes_components(client: Client, cast: Cast) -> None:
    sign_in(client, cast.rita)  # release manager: sees the project, does not manage it
    url = reverse("project-components", args=[cast.emissary.slug])
    assert client.post(url, {"action": "create", "name": "proxy"}).status_code == 403
    sign_in(client, cast.alice)
    response = client.post(url, {"action": "create", "name": "proxy"})
    assert response.status_code == 302
    owners = {"action": "owners", "component": Component.objects.get().pk, "owners": "nobody"}
    response = client.post(url, owners)
    assert response.status_code == 400
    assert "no user named &#x27;nobody&#x27;" in response.content.decode()
