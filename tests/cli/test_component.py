"""`vulndesk component`: a project's components and their owners (FOLIO: every module needs a
responsible team), whose owners a report on the component proposes for its Fix Team (FOLIO-27)."""

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def folio() -> Project:
    return make_project("folio")


@pytest.fixture
def alice(folio: Project) -> User:
    """On FOLIO's security team."""
    user = make_user("alice")
    make_member(folio, user)
    return user


def test_add_rename_and_list_components_each_audited_with_its_actor(
    folio: Project, alice: User
) -> None:
    assert vulndesk("component", "add", "folio", "mod-users", "--as", "alice") == (
        "folio: component mod-users added\n"
    )
    vulndesk("component", "add", "folio", "mod-circulation")
    out = vulndesk("component", "rename", "folio", "mod-users", "mod-users-bl", "--as", "alice")
    assert out == "folio: component mod-users is now mod-users-bl\n"
    assert vulndesk_json("component", "list", "folio") == [
        {"name": "mod-circulation", "owners": []},
        {"name": "mod-users-bl", "owners": []},
    ]
    events = AuditEvent.objects.filter(action__startswith="component.").order_by("seq")
    assert [(e.action, e.actor) for e in events] == [
        ("component.created", alice),
        ("component.created", None),
        ("component.renamed", alice),
    ]


def test_owners_sets_the_responsible_team_and_none_clears_it_FOLIO_27(
    folio: Project, alice: User
) -> None:
    vulndesk("component", "add", "folio", "mod-users")
    for owner in ("olga", "pat"):
        make_user(owner)
    out = vulndesk("component", "owners", "folio", "mod-users", "pat", "olga", "--as", "alice")
    assert out == "folio: mod-users is owned by olga, pat\n"
    assert vulndesk_json("component", "list", "folio") == [
        {"name": "mod-users", "owners": ["olga", "pat"]}
    ]
    text = vulndesk("component", "list", "folio")
    assert "mod-users  olga, pat" in text
    assert vulndesk("component", "owners", "folio", "mod-users") == (
        "folio: mod-users is owned by nobody\n"
    )
    changes = AuditEvent.objects.filter(action="component.owners_set").order_by("seq")
    assert [e.data["owners"] for e in changes] == [["olga", "pat"], []]


def test_a_taken_name_an_unknown_component_user_or_project_is_refused_saying_what_to_do(
    folio: Project,
) -> None:
    vulndesk("component", "add", "folio", "mod-users")
    with pytest.raises(CommandError, match="already has a component named 'mod-users'"):
        vulndesk("component", "add", "folio", " mod-users ")
    with pytest.raises(CommandError, match=r"no component 'ui'; its components: mod-users \(add"):
        vulndesk("component", "rename", "folio", "ui", "stripes")
    with pytest.raises(CommandError, match="no user 'nobody'"):
        vulndesk("component", "owners", "folio", "mod-users", "nobody")
    with pytest.raises(CommandError, match="no project 'okapi'; projects: folio"):
        vulndesk("component", "list", "okapi")
    with pytest.raises(CommandError, match="name: This field cannot be blank"):
        vulndesk("component", "add", "folio", "  ")
    assert vulndesk("component", "list", "folio").count("mod-users") == 1
