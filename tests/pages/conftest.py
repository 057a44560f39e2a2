"""Fixtures for the page tests: boundaries for the tree and a superuser."""

from __future__ import annotations

import pytest

from gongzhi.areas.services import update_area
from tests.factories import UserFactory


def square(lng: float, lat: float, size: float) -> dict:
    """A closed square Polygon in [lng, lat] order."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def bounded_tree(tree):
    """The tree with boundaries on C1 and its grids (G2 left without one)."""
    tree["C1"] = update_area(tree["C1"], boundary=square(121.80, 29.90, 0.02))
    tree["G1"] = update_area(tree["G1"], boundary=square(121.80, 29.90, 0.01))
    return tree


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
