"""`vulndesk policy`: read a preset; check a project's policy file before using it."""

import io
import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from vulndesk.process.policy import load_policy, preset_names, resolve_policy, validate

PRESETS = ["envoy", "folio", "karmada", "openedx", "vitess"]

KARMADA_OVERRIDE = """\
extends: karmada
timeline:
  steps:
    fix_developed:
      within: P10D
"""


def test_the_five_presets_ship() -> None:
    assert preset_names() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_show_prints_the_policy_and_its_deadlines_for_people(name: str) -> None:
    policy = resolve_policy(name)
    out = vulndesk("policy", "show", name)
    assert f"preset: {name}\n" in out
    assert f"title: {policy.title}\n" in out
    assert "deadlines" in out
    for rule in policy.deadline_rules():
        assert rule.name in out
        assert rule.rule_id in out


@pytest.mark.parametrize("name", PRESETS)
def test_show_json_round_trips_through_resolve_policy(name: str) -> None:
    data = vulndesk_json("policy", "show", name)
    assert data["preset"] == name
    assert validate(data) == resolve_policy(name)
    # As overrides it changes nothing, so a project can start from the printed policy.
    assert resolve_policy(name, data) == resolve_policy(name)


def test_show_of_an_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("policy", "show", "kubernetes")
    assert "invalid choice: 'kubernetes'" in str(refused.value)
    for name in PRESETS:
        assert repr(name) in str(refused.value)


def check(path: Path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policy", "check", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_check_accepts_a_whole_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text((resources.files("vulndesk.process") / "presets" / "vitess.yaml").read_text())
    out, err = check(path, "--json")
    assert err.strip() == f"{path}: a valid policy (preset vitess)"
    assert validate(json.loads(out)) == resolve_policy("vitess")


def test_check_accepts_extends_with_an_override(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(KARMADA_OVERRIDE)
    out, err = check(path, "--json")
    data = json.loads(out)
    assert err.strip() == f"{path}: a valid policy (preset karmada)"
    assert data["timeline"]["steps"]["fix_developed"]["within"] == "P10D"
    assert resolve_policy("karmada").timeline.steps["fix_developed"].within == timedelta(days=7)
    # Everything else is Karmada's.
    assert data["title"] == resolve_policy("karmada").title
    assert data["distributors"] == resolve_policy("karmada").model_dump(mode="json")["distributors"]


def test_check_prints_the_resulting_deadlines_for_people(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(KARMADA_OVERRIDE)
    out, _ = check(path)
    assert "fix_developed" in out
    assert "P10D" in out
    assert "KAR-20" in out


def test_check_names_the_field_path_of_a_bad_duration(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "extends: envoy\ntimeline:\n  steps:\n    fix_team_formed:\n      within: 24 hours\n"
    )
    with pytest.raises(CommandError) as refused:
        check(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: invalid policy:")
    assert (
        "timeline.steps.fix_team_formed.within: '24 hours' is not an ISO 8601 duration" in message
    )
    assert "'PT24H'" in message


def test_check_names_an_unknown_field_and_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("extends: envoy\ntimeline:\n  advisery: false\n")
    with pytest.raises(CommandError, match=r"timeline\.advisery: unknown field; expected one of"):
        check(path)


def test_check_of_a_missing_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(CommandError, match=f"cannot read {path}: No such file or directory"):
        check(path)


def test_check_of_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("extends: envoy\ntimeline: [\n")
    with pytest.raises(CommandError, match=r"\(YAML\): not valid YAML at line 3, column 1"):
        check(path)


def test_check_of_a_file_that_is_not_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"\xff\xfeextends: envoy\n")
    with pytest.raises(CommandError) as refused:
        check(path)
    assert str(refused.value).startswith(f"cannot read {path}: it is not UTF-8 text")


def test_check_of_an_unknown_preset_lists_the_presets(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("extends: kubernetes\n")
    with pytest.raises(CommandError, match="unknown preset 'kubernetes'; choose one of"):
        check(path)


def test_check_of_an_empty_file_says_a_policy_is_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("")
    with pytest.raises(CommandError, match="expected a mapping of fields"):
        check(path)


def test_the_example_project_policy_checks_and_does_what_its_comments_say() -> None:
    example = Path(__file__).parents[2] / "examples" / "project-policy.yaml"
    policy = load_policy(example.read_text())
    rules = {rule.name: rule for rule in policy.deadline_rules()}
    assert rules["fix_developed"].within == timedelta(days=5)
    assert rules["acknowledged"].business_days == 2
    calendar = policy.calendar.business_calendar()
    # No deadline ends on a Friday: Friday 2026-12-18 moves to Monday the 21st.
    friday = datetime(2026, 12, 18, 12, tzinfo=UTC)
    assert calendar.roll(friday, later=True).date() == date(2026, 12, 21)
    # Dec 24 - Jan 2 is shut: Thursday the 24th moves to Monday 2027-01-04.
    christmas_eve = datetime(2026, 12, 24, 12, tzinfo=UTC)
    assert calendar.roll(christmas_eve, later=True).date() == date(2027, 1, 4)
    # Thursday 17:00 Berlin is past the 16:00 slot and Friday is avoided: Monday 16:00.
    slot = calendar.announcement_slot(datetime(2026, 3, 5, 16, tzinfo=UTC))
    assert (slot.weekday(), slot.astimezone(calendar.zone).hour) == (0, 16)
