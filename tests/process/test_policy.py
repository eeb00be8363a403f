"""Loading and validating a policy: errors name the field and what it expects."""

from datetime import timedelta
from typing import Any

import pytest

from vulndesk.process.policy import PolicyError, load_policy, resolve_policy


def problems_of(overrides: dict[str, Any], preset: str = "envoy") -> list[str]:
    with pytest.raises(PolicyError) as caught:
        resolve_policy(preset, overrides)
    return caught.value.problems


def step(**fields: Any) -> dict[str, Any]:
    return {"timeline": {"steps": {"fix_developed": fields}}}


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """The dotted paths where two dumped policies differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            found
            for key in sorted(set(a) | set(b))
            for found in differences(a.get(key), b.get(key), f"{path}.{key}".lstrip("."))
        ]
    return [] if a == b else [path]


# Field errors


def test_a_duration_in_words_names_its_path_and_the_iso_form_EMI_30() -> None:
    [problem] = problems_of(step(within="seven days"))
    assert problem.startswith("timeline.steps.fix_developed.within: ")
    assert "'seven days'" in problem
    assert "P7D" in problem


def test_a_bare_number_is_not_read_as_seconds_EMI_30() -> None:
    [problem] = problems_of(step(within=7))
    assert problem.startswith("timeline.steps.fix_developed.within: ")
    assert "P7D" in problem


def test_a_duration_in_months_is_refused_because_months_vary_EMI_30() -> None:
    [problem] = problems_of(step(within="P1M"))
    assert "months" in problem
    assert "P30D" in problem


def test_a_duration_in_hours_is_accepted_EMI_27() -> None:
    policy = resolve_policy("envoy", step(within="PT36H"))
    assert policy.timeline.steps["fix_developed"].within == timedelta(hours=36)


def test_an_unknown_field_is_named_with_the_fields_that_exist_there() -> None:
    [problem] = problems_of({"team": {"fix_lead": {"rotaton": "round_robin"}}})
    assert problem.startswith("team.fix_lead.rotaton: unknown field; expected one of ")
    assert "rotation" in problem


def test_an_unknown_field_inside_a_step_lists_the_step_fields() -> None:
    [problem] = problems_of(step(due="P7D"))
    assert problem.startswith("timeline.steps.fix_developed.due: unknown field")
    assert "within" in problem
    assert "business_days" in problem


def test_an_unknown_top_level_field_lists_the_sections() -> None:
    [problem] = problems_of({"timelines": {}})
    assert problem.startswith("timelines: unknown field; expected one of preset, title")


def test_a_bad_weekday_names_its_position_and_the_spellings_accepted_OEDX_20() -> None:
    [problem] = problems_of({"calendar": {"weekend": ["sat", "sunday", "funday"]}})
    assert problem == "calendar.weekend.2: expected a weekday such as mon or saturday, got 'funday'"


def test_weekdays_may_be_short_or_long_names_OEDX_20() -> None:
    policy = resolve_policy("openedx", {"calendar": {"weekend": ["Friday", "sat"]}})
    assert policy.calendar.weekend == [4, 5]


def test_a_rule_id_of_no_known_document_is_refused() -> None:
    [problem] = problems_of({"team": {"rules": ["EMI-1", "XYZ-3"]}})
    assert problem.startswith("team.rules: expected rule IDs from RULES.md such as EMI-27")
    assert "'XYZ-3'" in problem


def test_a_rule_id_past_its_document_s_count_is_refused_EMI_49() -> None:
    assert problems_of({"team": {"rules": ["EMI-49", "EMI-50"]}}) == [
        "team.rules: RULES.md has EMI-1 … EMI-49, so 'EMI-50' is not a rule ID"
    ]


def test_only_folio_has_open_questions_FOLIO_Q14() -> None:
    resolve_policy("folio", {"team": {"rules": ["FOLIO-Q14"]}})
    [problem] = problems_of({"team": {"rules": ["FOLIO-Q15"]}}, preset="folio")
    assert "FOLIO-Q1 … FOLIO-Q14" in problem
    [problem] = problems_of({"team": {"rules": ["KAR-Q1"]}}, preset="karmada")
    assert "no KAR-Q IDs" in problem


def test_a_period_of_months_stays_a_calendar_period_KAR_3() -> None:
    [problem] = problems_of({"team": {"associates": {"min_service": "3 months"}}}, "karmada")
    assert problem.startswith("team.associates.min_service: expected an ISO 8601 period")
    assert "P3M" in problem


def test_a_step_needs_an_offset_or_a_note_saying_there_is_none() -> None:
    [problem] = problems_of({"timeline": {"steps": {"x": {"quote": "q", "anchor": "release"}}}})
    assert problem.startswith("timeline.steps.x: give within or business_days")


def test_a_window_cannot_go_with_business_days_OEDX_20() -> None:
    problems = problems_of(
        {"timeline": {"steps": {"security_announcement_posted": {"window": "P7D"}}}}, "openedx"
    )
    assert problems == [
        "timeline.steps.security_announcement_posted: a window needs within (a duration such as "
        "P7D), not business_days"
    ]


def test_a_disabled_distributors_list_with_notices_is_refused_VIT_27() -> None:
    notice = {"quote": "q", "anchor": "release", "direction": "before", "within": "PT24H"}
    [problem] = problems_of({"distributors": {"release_notice": notice}}, preset="vitess")
    assert problem == "distributors: a disabled distributors list cannot have notices"


def test_turning_karmada_distributors_off_needs_its_notices_removed_too_KAR_33() -> None:
    with pytest.raises(PolicyError):
        resolve_policy("karmada", {"distributors": {"enabled": False}})
    policy = resolve_policy(
        "karmada",
        {"distributors": {"enabled": False, "advance_notice": None, "release_notice": None}},
    )
    assert [rule.name for rule in policy.deadline_rules()] == ["fix_developed"]


def test_an_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(PolicyError) as caught:
        resolve_policy("debian")
    assert caught.value.problems == [
        "preset: unknown preset 'debian'; choose one of "
        "['envoy', 'folio', 'karmada', 'openedx', 'vitess']"
    ]


# Policy files


def test_extends_karmada_with_one_override_changes_only_that_field_KAR_9() -> None:
    policy = load_policy(
        "extends: karmada\nteam:\n  inactivity:\n    removal_vote: {threshold: 0.67}\n"
    )
    assert policy.team.inactivity.removal_vote.threshold == 0.67
    assert policy.team.inactivity.removal_vote.kind == "super_majority"  # merged, not replaced
    base = resolve_policy("karmada").model_dump(mode="json")
    assert differences(base, policy.model_dump(mode="json")) == [
        "team.inactivity.removal_vote.threshold"
    ]


def test_extends_can_set_a_number_a_document_left_open_FOLIO_Q11() -> None:
    policy = load_policy("extends: folio\nsupported_releases: {rule: latest_minor}\n")
    assert policy.supported_releases.rule == "latest_minor"
    assert policy.preset == "folio"


def test_extends_with_a_bad_override_names_the_field_KAR_20() -> None:
    text = "extends: karmada\ntimeline:\n  steps:\n    fix_developed: {within: a week}\n"
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    [problem] = caught.value.problems
    assert problem.startswith("timeline.steps.fix_developed.within: 'a week'")


def test_extends_must_name_a_preset() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("extends: [karmada]\n")
    assert caught.value.problems == ["extends: expected a preset name, got ['karmada']"]


def test_invalid_yaml_names_the_line() -> None:
    text = "extends: karmada\nteam:\n  name: Karmada\n   roster: explicit\n"
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    [problem] = caught.value.problems
    assert problem.startswith("(YAML): not valid YAML at line 4, column ")


def test_a_policy_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("- karmada\n")
    assert caught.value.problems == ["(top level): expected a mapping of fields, got list"]


def test_a_whole_policy_without_extends_needs_its_required_sections() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("preset: mine\ntitle: Mine\nsource: mine.md\n")
    assert caught.value.problems == [
        "team: required field is missing",
        "distributors: required field is missing",
        "supported_releases: required field is missing",
    ]
