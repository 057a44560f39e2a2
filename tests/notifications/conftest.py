"""Notification tests drive the real services that notify: they reuse the case, organization
and volunteer fixtures."""

from tests.cases.conftest import categories, grids, handler, media, reported, unit  # noqa: F401
from tests.organizations.conftest import charter, draft, leader_person, org_leader, ready  # noqa: F401
from tests.volunteers.conftest import ann, club, leader  # noqa: F401
