"""Publishing an advisory: the guards read the clock and each fixed version's tag (real git
repositories), a forced publish needs a reason and the permission and is audited, and a
published advisory can be withdrawn or revised with its history in every record.

EMISSARY-2 (the crash) is released: its fix ships as emissary-client 1.13.4 (tag v1.13.4 in
the package's repository) with a Release Date a day after T0. Nothing public may show it
before both guards pass (OEDX-22).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import LazySettings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.advisories.schemas import csaf_errors, osv_errors
from tests.desk.cast import CRASH_TITLE, Cast, make_cast
from tests.desk.test_public_advisories import ATOM
from tests.gitops.repos import git, released_repository
from vulndesk.advisories import csaf, cve5, markdown, osv
from vulndesk.desk.models import (
    Affect,
    AffectStatus,
    AuditEvent,
    Package,
    ReleaseLine,
    Report,
    StateChoices,
)
from vulndesk.desk.services import publication
from vulndesk.desk.services.advisory_export import build_advisory
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import TransitionError

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
RELEASE = T0 + timedelta(days=1)
CVE = "CVE-2024-12345"
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
PUBLISHER = csaf.Publisher("Emissary-ingress", "https://desk.example.org")

pytestmark = pytest.mark.django_db


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """emissary-client's public repository, before the fix release is tagged."""
    return released_repository(tmp_path / "client", "v1.13.3")


@pytest.fixture
def cast(time_machine: TimeMachineFixture, upstream: Path, settings: LazySettings) -> Cast:
    settings.BASE_URL = "https://desk.example.org"
    settings.CNA_ORG_ID = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"
    time_machine.move_to(T0, tick=False)
    cast = make_cast()
    Package.objects.create(
        project=cast.emissary, name="emissary-client", ecosystem="npm", repository=str(upstream)
    )
    line = ReleaseLine.objects.create(project=cast.emissary, name="1.13")
    Affect.objects.create(
        report=cast.crash,
        release_line=line,
        package="emissary-client",
        affected_range="<1.13.4",
        fixed_version="1.13.4",
        status=AffectStatus.FIXED,
    )
    Report.objects.filter(pk=cast.crash.pk).update(
        state=StateChoices.RELEASED,
        cve_id=CVE,
        cvss_vector=VECTOR,
        cvss_version="3.1",
        release_date=RELEASE,
        fixed_version="1.13.4",
        fix_released_at=T0,
    )
    cast.crash.refresh_from_db()
    return cast


def tag_the_release(upstream: Path) -> None:
    git(upstream, "tag", "-a", "v1.13.4", "-m", "Release 1.13.4")


def refusal(report: Report, **kwargs: object) -> list[str]:
    with pytest.raises(TransitionError) as caught:
        transition(report, "published", **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def publishable(cast: Cast, upstream: Path, time_machine: TimeMachineFixture) -> None:
    tag_the_release(upstream)
    time_machine.move_to(RELEASE, tick=False)


# -- the guards ---------------------------------------------------------------------------------


def test_oedx_22_publishing_before_the_release_date_is_refused_naming_the_date(
    cast: Cast, upstream: Path
) -> None:
    tag_the_release(upstream)
    assert refusal(cast.crash, actor=cast.alice) == [
        "cannot publish: embargo: the embargo lasts until the Release Date, 2024-03-02 10:00 "
        "UTC: publish then, or move the Release Date"
    ]
    cast.crash.refresh_from_db()
    assert cast.crash.published_at is None


def test_a_fixed_version_not_tagged_in_its_repository_is_refused(
    cast: Cast, upstream: Path, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(RELEASE, tick=False)
    assert refusal(cast.crash, actor=cast.alice) == [
        f"cannot publish: fixed versions tagged: emissary-client 1.13.4 (1.13): {upstream} has "
        "no tag v1.13.4: release and tag the fixed version first (or correct the fixed version)"
    ]


def test_once_the_release_date_came_and_the_tag_exists_the_advisory_is_published(
    cast: Cast, upstream: Path, time_machine: TimeMachineFixture
) -> None:
    publishable(cast, upstream, time_machine)
    published = transition(cast.crash, "published", actor=cast.alice)
    assert published.state == StateChoices.PUBLISHED
    assert published.published_at == RELEASE
    event = AuditEvent.objects.filter(report=published).latest("seq")
    assert event.data == {"from": "released", "to": "published", "reason": ""}


def test_emi_14_a_report_on_the_public_path_is_published_before_its_release_date(
    cast: Cast, upstream: Path
) -> None:
    tag_the_release(upstream)
    Report.objects.filter(pk=cast.crash.pk).update(
        public_disclosure_at=T0, public_disclosure_url="https://example.org/exploit"
    )
    assert transition(cast.crash, "published", actor=cast.alice).published_at == T0


def test_an_unreachable_repository_fails_the_guard_and_says_so(
    cast: Cast, upstream: Path, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(RELEASE, tick=False)
    Package.objects.filter(name="emissary-client").update(repository=str(upstream) + "-gone")
    [problem] = refusal(cast.crash, actor=cast.alice)
    assert problem.startswith(
        f"cannot publish: fixed versions tagged: emissary-client 1.13.4 (1.13): the repository "
        f"{upstream}-gone could not be read ("
    )
    assert problem.endswith("make it reachable from this server, or publish anyway with a reason")


def test_a_fixed_version_whose_package_has_no_registered_repository_is_refused(
    cast: Cast, time_machine: TimeMachineFixture
) -> None:
    """The project itself has no repository URL, and an unregistered package has none."""
    time_machine.move_to(RELEASE, tick=False)
    Affect.objects.filter(report=cast.crash).update(package="")
    Affect.objects.create(report=cast.crash, package="emissary-cli", fixed_version="0.4.1")
    assert refusal(cast.crash, actor=cast.alice) == [
        "cannot publish: fixed versions tagged: Emissary 1.13.4 (1.13): no repository is "
        "registered to check for tag v1.13.4 or 1.13.4: set Emissary's repository URL, or "
        "record the fix in a registered package, or publish anyway with a reason",
        "cannot publish: fixed versions tagged: emissary-cli 0.4.1, a package Emissary has not "
        "registered: no repository is registered to check for tag v0.4.1: register "
        "emissary-cli with its repository and tag pattern, or publish anyway with a reason",
    ]


def test_the_project_itself_is_checked_in_its_repository_tagged_v_or_bare(
    cast: Cast, tmp_path: Path, time_machine: TimeMachineFixture
) -> None:
    """With no affect naming a fixed version, the report's own fixed version counts."""
    time_machine.move_to(RELEASE, tick=False)
    Affect.objects.filter(report=cast.crash).delete()
    repository = released_repository(tmp_path / "emissary", "1.13.4")
    cast.emissary.repository_url = f"file://{repository}"
    cast.emissary.save()
    assert transition(cast.crash, "published", actor=cast.alice).state == "published"


# -- forced publish -----------------------------------------------------------------------------


def test_a_forced_publish_needs_a_reason(cast: Cast) -> None:
    with pytest.raises(ValueError, match="reason: a forced publish needs one"):
        transition(cast.crash, "published", actor=cast.alice, force=True, reason="  ")
    cast.crash.refresh_from_db()
    assert cast.crash.published_at is None


def test_a_forced_publish_needs_the_security_team_or_an_operator(cast: Cast) -> None:
    """bob leads the fix (he may triage) but is on no team: overriding the guards is not his."""
    with pytest.raises(PermissionDenied, match="security team or an operator may publish"):
        transition(cast.crash, "published", actor=cast.bob, force=True, reason="exploited")
    cast.crash.refresh_from_db()
    assert cast.crash.published_at is None


def test_a_forced_publish_goes_out_and_the_audit_names_the_guards_it_overrode(
    cast: Cast, upstream: Path
) -> None:
    reason = "Exploited in the wild; the fix is on npm already."
    published = transition(cast.crash, "published", actor=cast.alice, force=True, reason=reason)
    assert published.published_at == T0
    event = AuditEvent.objects.filter(report=published).latest("seq")
    assert event.action == "report.transition"
    assert event.actor == cast.alice
    assert event.data["reason"] == reason
    assert event.data["forced"] is True
    assert event.data["overridden"] == [
        "embargo: the embargo lasts until the Release Date, 2024-03-02 10:00 UTC: publish then, "
        "or move the Release Date",
        f"fixed versions tagged: emissary-client 1.13.4 (1.13): {upstream} has no tag v1.13.4: "
        "release and tag the fixed version first (or correct the fixed version)",
    ]


def test_only_publishing_can_be_forced(cast: Cast) -> None:
    with pytest.raises(ValueError, match="not a move to triaging; make that move without force"):
        transition(cast.leak, "triaging", actor=cast.alice, force=True, reason="why not")


# -- nothing public before the guards pass ------------------------------------------------------


def public_urls() -> list[str]:
    kwargs = {"project": "emissary", "number": 2}
    return [
        reverse("advisory-list"),
        reverse("advisory-osv-feed"),
        reverse("advisory-atom-feed"),
        reverse("project-osv-feed", args=["emissary"]),
        reverse("project-atom-feed", args=["emissary"]),
        reverse("advisory-detail", kwargs=kwargs),
        *(
            reverse("advisory-download", kwargs=kwargs | {"filename": name})
            for name in ("osv.json", "cve.json", "csaf.json", "advisory.md")
        ),
    ]


def shown(client: Client) -> dict[str, bool]:
    """Whether each public URL shows the crash's advisory (title or CVE ID), signed out."""
    found = {}
    for url in public_urls():
        response = client.get(url)
        body = response.content.decode()
        found[url] = response.status_code == 200 and (CRASH_TITLE in body or CVE in body)
    return found


def test_oedx_22_a_published_advisory_never_appears_anywhere_public_before_its_guards_pass(
    cast: Cast, upstream: Path, time_machine: TimeMachineFixture, client: Client
) -> None:
    assert not any(shown(client).values())
    with pytest.raises(TransitionError):
        transition(cast.crash, "published", actor=cast.alice)  # the Release Date is tomorrow
    assert not any(shown(client).values())
    time_machine.move_to(RELEASE, tick=False)
    with pytest.raises(TransitionError):
        transition(cast.crash, "published", actor=cast.alice)  # v1.13.4 is not tagged yet
    assert not any(shown(client).values())

    tag_the_release(upstream)
    transition(cast.crash, "published", actor=cast.alice)

    assert all(shown(client).values())


# -- withdrawal and revisions -------------------------------------------------------------------


@pytest.fixture
def published(cast: Cast, upstream: Path, time_machine: TimeMachineFixture) -> Report:
    publishable(cast, upstream, time_machine)
    return transition(cast.crash, "published", actor=cast.alice)


def test_a_revision_is_numbered_after_the_publication_and_carried_by_every_record(
    cast: Cast, published: Report, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(RELEASE + timedelta(days=2), tick=False)
    publication.revise(published, "Added the CWE.", actor=cast.alice)
    report = Report.objects.get(pk=published.pk)
    assert publication.revision_history(report) == [
        publication.RevisionEntry(1, RELEASE, "Published."),
        publication.RevisionEntry(2, RELEASE + timedelta(days=2), "Added the CWE."),
    ]
    advisory = build_advisory(report)
    record = osv.render(advisory)
    assert record["modified"] == "2024-03-04T10:00:00Z"
    assert "withdrawn" not in record
    document = csaf.render(advisory, PUBLISHER)
    tracking = document["document"]["tracking"]
    assert tracking["status"] == "final"
    assert tracking["version"] == "2"
    assert [(r["number"], r["summary"]) for r in tracking["revision_history"]] == [
        ("1", "Published."),
        ("2", "Added the CWE."),
    ]
    assert csaf_errors(document) == []
    event = AuditEvent.objects.filter(report=report).latest("seq")
    assert (event.action, event.data) == (
        "advisory.revised",
        {"revision": 2, "summary": "Added the CWE."},
    )


def test_a_withdrawn_advisory_stays_public_marked_withdrawn_in_osv_csaf_and_markdown(
    cast: Cast, published: Report, time_machine: TimeMachineFixture, client: Client
) -> None:
    time_machine.move_to(RELEASE + timedelta(days=5), tick=False)
    withdrawn = publication.withdraw(published, "Not a vulnerability after all.", actor=cast.alice)
    assert withdrawn.withdrawn_at == RELEASE + timedelta(days=5)
    advisory = build_advisory(Report.objects.get(pk=published.pk))

    record = osv.render(advisory)
    assert record["withdrawn"] == "2024-03-07T10:00:00Z"
    assert record["modified"] == "2024-03-07T10:00:00Z"
    assert osv_errors(record) == []
    document = csaf.render(advisory, PUBLISHER)
    assert csaf_errors(document) == []
    history = document["document"]["tracking"]["revision_history"]
    assert history[-1] == {
        "number": "2",
        "date": "2024-03-07T10:00:00.000Z",
        "summary": "Withdrawn: Not a vulnerability after all.",
    }
    # Only the CNA that assigned the CVE ID can reject its record: it stays PUBLISHED here.
    record_5 = cve5.render(advisory, cve5.Cna("8254265b-2729-46b6-b9e3-3dfca2d5bfca", "demo"))
    assert record_5["cveMetadata"]["state"] == "PUBLISHED"
    text = markdown.render(advisory)
    assert "> **Withdrawn** on 2024-03-07: Not a vulnerability after all." in text

    # Still on the public side, marked withdrawn: OSV consumers need the withdrawn record.
    feed = client.get(reverse("advisory-osv-feed")).json()
    assert [r["withdrawn"] for r in feed if r["id"] == CVE] == ["2024-03-07T10:00:00Z"]
    listed = client.get(reverse("advisory-list")).content.decode()
    assert f'{CRASH_TITLE} <strong class="withdrawn">(withdrawn)</strong>' in listed
    atom = ElementTree.fromstring(client.get(reverse("advisory-atom-feed")).content)  # noqa: S314
    [entry] = [
        e for e in atom.iter(f"{ATOM}entry") if CRASH_TITLE in e.findtext(f"{ATOM}title", "")
    ]
    assert entry.findtext(f"{ATOM}title", "").endswith(f"{CRASH_TITLE} (withdrawn)")
    assert entry.findtext(f"{ATOM}updated") == "2024-03-07T10:00:00+00:00"
    summary = entry.findtext(f"{ATOM}summary", "")
    assert "<strong>Withdrawn</strong> on 2024-03-07: Not a vulnerability after all." in summary
    detail = client.get(reverse("advisory-detail", args=["emissary", 2])).content.decode()
    assert "<strong>Withdrawn</strong> on" in detail
    assert "Not a vulnerability after all." in detail
    event = AuditEvent.objects.filter(report=published).latest("seq")
    assert event.action == "advisory.withdrawn"
    assert event.data == {"revision": 2, "reason": "Not a vulnerability after all."}


def test_withdrawal_needs_a_reason_a_published_advisory_and_the_security_team(
    cast: Cast, published: Report
) -> None:
    with pytest.raises(ValueError, match="reason: required"):
        publication.withdraw(published, " ", actor=cast.alice)
    with pytest.raises(PermissionDenied, match="security team or an operator may withdraw"):
        publication.withdraw(published, "Duplicate of CVE-2024-1", actor=cast.bob)
    with pytest.raises(ValueError, match="EMISSARY-1 is not published"):
        publication.withdraw(cast.leak, "Duplicate", actor=cast.alice)
    publication.withdraw(published, "Duplicate of CVE-2024-1", actor=cast.alice)
    with pytest.raises(ValueError, match="withdrawn already"):
        publication.withdraw(published, "Again", actor=cast.alice)
    with pytest.raises(ValueError, match="a withdrawn one is final"):
        publication.revise(published, "Fixed a typo.", actor=cast.alice)


def test_tags_read_before_the_lock_stand_only_while_the_fixed_versions_are_the_same(
    cast: Cast, upstream: Path
) -> None:
    """A transition reads the tags before locking the report (git may be slow); under the lock
    that reading stands in only if the advisory still names the same fixed versions."""
    before = publication.publication_facts(cast.crash)
    assert [f.found for f in before.fixed] == [False]
    tag_the_release(upstream)
    git(upstream, "tag", "v1.13.5")
    assert publication.publication_facts(cast.crash, before).fixed == before.fixed
    Affect.objects.filter(report=cast.crash).update(fixed_version="1.13.5")
    again = publication.publication_facts(cast.crash, before)
    assert [(f.what, f.found) for f in again.fixed] == [("emissary-client 1.13.5 (1.13)", True)]
