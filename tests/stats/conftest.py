"""Statistics tests reuse the project and volunteer fixtures."""

from tests.projects.conftest import (  # noqa: F401
    donation,
    elderly_project,
    evaluator,
    finance,
    gov_fund,
    org,
    org_leader,
    other_org,
    other_org_leader,
)
from tests.volunteers.conftest import activity, ann, bob, carl, club, leader, media  # noqa: F401
