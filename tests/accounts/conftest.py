"""alice is on Emissary's security team, so she owes a second factor; charlie has no role."""

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import make_device
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import TeamRole


@pytest.fixture
def alice() -> User:
    alice = make_user("alice")
    make_member(make_project("emissary", preset="envoy"), alice, TeamRole.SECURITY_TEAM)
    return alice


@pytest.fixture
def alice_device(alice: User) -> TOTPDevice:
    return make_device(alice)


@pytest.fixture
def charlie() -> User:
    return make_user("charlie")
