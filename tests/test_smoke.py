import pytest

pytestmark = pytest.mark.django_db


def test_tree_fixture_builds_paths(tree):
    assert tree["G1"].path == "/D/S1/Z1/C1/G1/"
