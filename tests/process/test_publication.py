"""The guards on publishing an advisory: each refuses with which guard failed and how to meet
it; a forced publish passes them and nothing else (OEDX-22: details only after the release)."""

from datetime import UTC, datetime, timedelta

import pytest

from vulndesk.process.lifecycle import (
    State,
    TransitionError,
    TransitionFacts,
    check_transition,
)
from vulndesk.process.publication import (
    EMBARGO,
    TAGS,
    FixedTag,
    PublicationFacts,
    publication_problems,
)

RELEASE = datetime(2026, 3, 22, 10, tzinfo=UTC)
TAGGED = FixedTag("emissary 1.13.10", ("v1.13.10",), "https://example.org/e.git", found=True)


def facts(**changes: object) -> PublicationFacts:
    given: dict[str, object] = {
        "now": RELEASE,
        "release_date": RELEASE,
        "on_public_path": False,
        "fixed": (TAGGED,),
    }
    return PublicationFacts(**(given | changes))  # type: ignore[arg-type]


def messages(found: PublicationFacts) -> list[str]:
    return [str(problem) for problem in publication_problems(found)]


def test_oedx_22_an_advisory_goes_out_once_the_release_date_came_and_its_fix_is_tagged() -> None:
    assert publication_problems(facts()) == []
    assert publication_problems(facts(now=RELEASE + timedelta(days=3))) == []


def test_oedx_22_before_the_release_date_the_embargo_guard_refuses_and_names_the_date() -> None:
    assert messages(facts(now=RELEASE - timedelta(seconds=1))) == [
        "embargo: the embargo lasts until the Release Date, 2026-03-22 10:00 UTC: publish then, "
        "or move the Release Date"
    ]


def test_without_a_release_date_the_embargo_guard_asks_to_schedule_the_release() -> None:
    assert [p.guard for p in publication_problems(facts(release_date=None))] == [EMBARGO]
    assert (
        "no Release Date is set: schedule the release first"
        in messages(facts(release_date=None))[0]
    )


def test_emi_14_a_report_on_the_public_path_is_published_at_once() -> None:
    """The vulnerability is public already: holding the advisory back protects nobody."""
    early = facts(now=RELEASE - timedelta(days=5), on_public_path=True)
    assert publication_problems(early) == []
    assert publication_problems(facts(release_date=None, on_public_path=True)) == []


def test_a_fixed_version_without_its_tag_is_refused_naming_repository_and_tag() -> None:
    untagged = FixedTag("emissary 1.13.10 (1.13)", ("v1.13.10",), "https://example.org/e.git")
    assert messages(facts(fixed=(TAGGED, untagged))) == [
        "fixed versions tagged: emissary 1.13.10 (1.13): https://example.org/e.git has no tag "
        "v1.13.10: release and tag the fixed version first (or correct the fixed version)"
    ]


def test_an_unreachable_repository_fails_the_tag_guard_saying_why() -> None:
    gone = FixedTag("emissary 1.13.10", ("v1.13.10",), "/srv/gone.git", error="no such place")
    [problem] = publication_problems(facts(fixed=(gone,)))
    assert problem.guard == TAGS
    assert problem.message == (
        "emissary 1.13.10: the repository /srv/gone.git could not be read (no such place): make "
        "it reachable from this server, or publish anyway with a reason"
    )


def test_a_fixed_version_with_no_registered_repository_fails_and_says_how_to_register() -> None:
    nowhere = FixedTag(
        "Emissary 1.13.10", ("v1.13.10", "1.13.10"), register="set Emissary's repository URL"
    )
    assert messages(facts(fixed=(nowhere,))) == [
        "fixed versions tagged: Emissary 1.13.10: no repository is registered to check for tag "
        "v1.13.10 or 1.13.10: set Emissary's repository URL, or publish anyway with a reason"
    ]


def test_every_failing_guard_is_listed_at_once() -> None:
    untagged = FixedTag("a 2.0.0", ("v2.0.0",), "/srv/a.git")
    found = facts(now=RELEASE - timedelta(hours=1), fixed=(untagged, TAGGED, untagged))
    assert [p.guard for p in publication_problems(found)] == [EMBARGO, TAGS, TAGS]


def refusal(transition_facts: TransitionFacts) -> list[str]:
    with pytest.raises(TransitionError) as caught:
        check_transition(
            State.RELEASED, State.PUBLISHED, transition_facts, required_triage_fields=()
        )
    return caught.value.problems


def test_publishing_checks_the_guards_and_says_cannot_publish_with_each_guard() -> None:
    early = TransitionFacts(publication=facts(now=RELEASE - timedelta(days=1)))
    assert refusal(early) == [
        "cannot publish: embargo: the embargo lasts until the Release Date, 2026-03-22 10:00 "
        "UTC: publish then, or move the Release Date"
    ]
    check_transition(
        State.RELEASED,
        State.PUBLISHED,
        TransitionFacts(publication=facts()),
        required_triage_fields=(),
    )


def test_publication_facts_not_gathered_fail_safe() -> None:
    assert refusal(TransitionFacts()) == [
        "cannot publish: the publication guards were not checked (embargo, fixed versions tagged)"
    ]


def test_a_forced_publish_passes_the_guards_but_not_the_flowchart() -> None:
    early = TransitionFacts(publication=facts(now=RELEASE - timedelta(days=1)))
    check_transition(
        State.RELEASED,
        State.PUBLISHED,
        early,
        required_triage_fields=(),
        overriding_publication_guards=True,
    )
    with pytest.raises(TransitionError, match="cannot move from scheduled to published"):
        check_transition(
            State.SCHEDULED,
            State.PUBLISHED,
            early,
            required_triage_fields=(),
            overriding_publication_guards=True,
        )
