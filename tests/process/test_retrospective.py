"""The blameless retrospective from plain facts (EMI-46 to EMI-49), on hand examples and
hypothesis."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.process.retrospective import (
    Commit,
    DeadlineFact,
    Event,
    Outcome,
    Participant,
    RetroFacts,
    build,
    describe,
    judge,
    render_markdown,
    span,
)

FAST = settings(max_examples=80, deadline=None)
T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
RELEASED = T0 + timedelta(days=21, hours=6)


def emissary_facts(**changes: object) -> RetroFacts:
    """A report released three weeks in, one deadline met early, one missed, one still open."""
    facts = {
        "key": "EMISSARY-7",
        "title": "Crafted header crashes the proxy",
        "state": "published",
        "received_at": T0,
        "as_of": RELEASED + timedelta(days=2),
        "release_date": RELEASED,
        "milestones": {
            "acknowledge": T0 + timedelta(hours=3),
            "triage": T0 + timedelta(days=1),
            "fix": T0 + timedelta(days=9, hours=4),
            "release": RELEASED,
            "publish": RELEASED + timedelta(hours=1),
        },
        "events": [
            Event(T0 + timedelta(minutes=5), "vulndesk", "report.created", "report recorded"),
            Event(T0 + timedelta(hours=3), "security team", "report.transition", "to triaging"),
            Event(RELEASED, "Fix Lead", "report.transition", "moved from scheduled to released"),
        ],
        "deadlines": [
            DeadlineFact(
                "fix_team_formed", "EMI-27", T0 + timedelta(days=1), T0 + timedelta(hours=21)
            ),
            DeadlineFact(
                "fix_developed", "EMI-30", T0 + timedelta(days=7), T0 + timedelta(days=9, hours=4)
            ),
            DeadlineFact(
                "retrospective_sent",
                "EMI-46",
                RELEASED + timedelta(days=3),
                None,
                opens_at=RELEASED + timedelta(days=1),
            ),
        ],
        "participants": [
            Participant("Fix Team", "bob"),
            Participant("Fix Lead", "alice"),
            Participant("security team", "carol"),
            Participant("Fix Team", "dave"),
        ],
        "fixed_by": [Commit("9e1f00d", "emissary 3.9")],
    }
    return RetroFacts(**(facts | changes))  # type: ignore[arg-type]


def test_spans_read_in_their_two_largest_units() -> None:
    assert span(timedelta(hours=3)) == "3 h"
    assert span(timedelta(days=2, hours=4, minutes=59)) == "2 d 4 h"
    assert span(timedelta(hours=1, minutes=5)) == "1 h 5 min"
    assert span(timedelta(seconds=20)) == "under 1 min"
    assert span(timedelta(0)) == "0 min"
    assert span(timedelta(days=-3)) == "3 d"


def test_each_deadline_says_whether_it_was_met_and_by_how_much() -> None:
    due = T0 + timedelta(days=1)
    assert judge(DeadlineFact("a", "", due, due - timedelta(hours=3)), T0).text == "met 3 h early"
    late = judge(DeadlineFact("a", "", due, due + timedelta(days=2, hours=4)), T0)
    assert (late.outcome, late.text) == (Outcome.MISSED, "missed by 2 d 4 h")
    assert judge(DeadlineFact("a", "", due, due), T0).text == "met at the due time"
    assert judge(DeadlineFact("a", "", due, None), T0).text == "open, due in 1 d"
    overdue = judge(DeadlineFact("a", "", due, None), due + timedelta(hours=5))
    assert (overdue.outcome, overdue.text) == (Outcome.MISSED, "missed by 5 h so far, still open")
    undated = judge(DeadlineFact("a", "", None, None), T0)
    assert (undated.outcome, undated.text) == (
        Outcome.UNDATED,
        "not dated: its starting event never came",
    )


def test_a_notice_sent_before_its_window_opened_is_told_apart_from_a_late_one() -> None:
    """KAR-34: distributors told 1-4 weeks ahead; sent 30 days ahead is too early, not late."""
    fact = DeadlineFact(
        "distributors_notified",
        "KAR-34",
        due_at=T0 + timedelta(days=21),
        met_at=T0,
        opens_at=T0 + timedelta(days=2),
    )
    verdict = judge(fact, T0)
    assert (verdict.outcome, verdict.text) == (Outcome.EARLY, "met 2 d before its window opened")


def test_metrics_measure_each_step_from_t0_and_count_the_outcomes() -> None:
    retro = build(emissary_facts())
    metrics = {m.label: m.duration for m in retro.metrics}
    assert metrics["Time to acknowledge"] == timedelta(hours=3)
    assert metrics["Time to release"] == timedelta(days=21, hours=6)
    counts = dict(retro.counts)
    assert counts["deadlines met"] == 1
    assert counts["deadlines missed"] == 1
    assert counts["deadlines open"] == 1
    assert counts["people involved"] == 4
    assert retro.summary == (
        "EMISSARY-7 was received on 2024-03-01 10:00 UTC and its fix was released 21 d 6 h "
        "later; 1 of 3 deadlines met, 1 missed."
    )


def test_the_markdown_holds_every_section_emissary_asks_for() -> None:
    """EMI-48: participants, timeline, the commits that introduced the issue, and critiques."""
    text = render_markdown(build(emissary_facts(introduced_by=[Commit("3f2a9c1")])))
    assert text.startswith("# Retrospective: EMISSARY-7: Crafted header crashes the proxy\n")
    assert "| 2024-03-01 10:00 UTC | 0 min | report received (T0) | reporter |" in text
    assert (
        "| 2024-03-22 16:00 UTC | 21 d 6 h | moved from scheduled to released | Fix Lead |" in text
    )
    assert "- fix_team_formed (EMI-27): due 2024-03-02 10:00 UTC, met 3 h early" in text
    assert "- fix_developed (EMI-30): due 2024-03-08 10:00 UTC, missed by 2 d 4 h" in text
    assert "- retrospective_sent (EMI-46): due 2024-03-25 16:00 UTC, open, due in 1 d" in text
    assert "- Fix Lead: alice\n- Fix Team: bob, dave\n- security team: carol\n" in text
    assert "Introduced by:\n\n- `3f2a9c1`\n" in text
    assert "Fixed by:\n\n- `9e1f00d` (emissary 3.9)\n" in text
    assert "- Time to fix: 9 d 4 h" in text
    for heading in ("## What went well", "## What to change"):
        assert heading in text


def test_it_is_blameless_the_timeline_names_roles_and_the_prompts_no_one() -> None:
    """EMI-47: critiques are about the process; no name is attached to an event."""
    text = render_markdown(build(emissary_facts()))
    timeline = text.split("## Timeline")[1].split("## Deadlines")[0]
    for name in ("alice", "bob", "carol", "dave"):
        assert name not in timeline
    critique = text.split("## What went well")[1]
    assert "not who did what wrong" in critique
    for word in ("fault", "blame", "alice"):
        assert word not in critique


def test_what_is_not_known_says_not_recorded() -> None:
    facts = emissary_facts(
        state="fixing", release_date=None, milestones={}, deadlines=[], participants=[], fixed_by=[]
    )
    text = render_markdown(build(facts))
    assert "Introduced by:\n\nNot recorded." in text
    assert "Fixed by:\n\nNot recorded." in text
    assert (
        "## Who was involved\n\nNamed so readers know whom to ask, not to blame.\n\nNot recorded."
        in text
    )
    assert "- Release Date: not set" in text
    assert "## Deadlines\n\nNone were due.\n" in text
    assert "- Time to release: not reached" in text
    assert "its fix is not released yet (state: fixing)" in text
    undated = [DeadlineFact("security_announcement_posted", "OEDX-20", None, None)]
    text = render_markdown(build(replace(facts, deadlines=undated)))
    assert (
        "- security_announcement_posted (OEDX-20): not dated: its starting event never came\n"
        in (text)
    )


def test_a_title_or_summary_cannot_break_the_document() -> None:
    facts = emissary_facts(
        title="a\n# heading\n- item",
        events=[Event(T0, "Fix Lead", "x", "one | two\nthree")],
    )
    text = render_markdown(build(facts))
    assert "# Retrospective: EMISSARY-7: a # heading - item\n" in text
    assert "| one \\| two three | Fix Lead |" in text


def test_audit_actions_read_as_sentences() -> None:
    assert describe("report.transition", {"from": "fixing", "to": "fix_ready"}) == (
        "moved from fixing to fix_ready"
    )
    assert describe("report.release_date_set", {"release_date": "2024-03-22T16:00:00Z"}) == (
        "Release Date set to 2024-03-22 16:00 UTC"
    )
    assert describe("fix.review_recorded", {"branch": "fix/x", "approved": False}) == (
        "changes requested on fix branch fix/x in review"
    )
    assert describe("report.fix_released", {}) == "fix released in ?"
    assert describe("project.testing_configured", {}) == "project: testing configured"


def test_a_commit_must_be_a_sha_and_reads_in_lower_case() -> None:
    with pytest.raises(ValueError, match="'main' is not a commit id"):
        Commit("main")
    assert Commit("ABCDEF0").sha == "abcdef0"


def test_it_is_deterministic() -> None:
    assert render_markdown(build(emissary_facts())) == render_markdown(build(emissary_facts()))


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
texts = st.text(min_size=1, max_size=30)
deadline_facts = st.builds(
    DeadlineFact,
    name=st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
    rule_id=st.from_regex(r"(EMI|KAR|VIT)-[0-9]{1,2}", fullmatch=True) | st.just(""),
    due_at=st.none() | moments,
    met_at=st.none() | moments,
    opens_at=st.none() | moments,
)
facts_strategy = st.builds(
    RetroFacts,
    key=st.just("VITESS-3"),
    title=texts,
    state=st.sampled_from(["fixing", "released", "published"]),
    received_at=moments,
    as_of=moments,
    release_date=st.none() | moments,
    milestones=st.dictionaries(
        st.sampled_from(["acknowledge", "triage", "fix", "release", "publish"]),
        st.none() | moments,
    ),
    events=st.lists(st.builds(Event, at=moments, role=texts, action=texts, summary=texts)),
    deadlines=st.lists(deadline_facts, unique_by=lambda d: d.name, max_size=8),
    participants=st.lists(st.builds(Participant, role=texts, name=texts)),
    introduced_by=st.lists(st.builds(Commit, sha=st.from_regex(r"[0-9a-f]{7,40}", fullmatch=True))),
)


@FAST
@given(facts_strategy)
def test_any_facts_render_with_every_deadline_once_in_order(facts: RetroFacts) -> None:
    retro = build(facts)
    text = render_markdown(retro)
    assert [v.deadline for v in retro.verdicts] == list(facts.deadlines)
    section = text.split("\n## Deadlines\n\n")[1].split("\n\n## ")[0].splitlines()
    if facts.deadlines:
        names = [line.removeprefix("- ").split(":")[0].split(" (")[0] for line in section]
        assert names == [d.name for d in facts.deadlines]
    else:
        assert section == ["None were due."]
    # The timeline has one row per event, plus T0's.
    timeline = text.split("\n## Timeline\n\n")[1].split("\n\n## ")[0].splitlines()
    assert len(timeline) == 2 + 1 + len(facts.events)
    assert sum(count for label, count in retro.counts if label.startswith("deadlines ")) == len(
        facts.deadlines
    )
