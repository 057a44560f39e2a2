"""Case fixtures on top of the area tree in tests/conftest.py.

Grids G1 and G2 (community C1, street S1) and G3 (C2, S2) get square boundaries so that a
location finds its grid. A handling unit serves C1 with one member (``handler``). A working
Monday at 09:00 (2026-11-23, Asia/Shanghai) is the default "now" for deadline arithmetic.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
from PIL import Image

from gongzhi.areas.services import update_area
from gongzhi.cases.choices import CaseSource, UnitKind
from gongzhi.cases.models import CaseCategory, HandlingUnit
from gongzhi.cases.services import report_case
from tests.factories import UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


# Centre points inside each grid's square.
G1_POINT = (29.805, 121.805)
G2_POINT = (29.805, 121.815)
G3_POINT = (29.905, 121.905)


@pytest.fixture
def grids(tree):
    tree["G1"] = update_area(tree["G1"], boundary=square(121.80, 29.80))
    tree["G2"] = update_area(tree["G2"], boundary=square(121.81, 29.80))
    tree["G3"] = update_area(tree["G3"], boundary=square(121.90, 29.90))
    return tree


@pytest.fixture
def categories(db):
    env = CaseCategory.objects.create(code="01", name="市容环境")
    clutter = CaseCategory.objects.create(
        code="0101",
        name="占道堆物",
        parent=env,
        register_hours=2,
        dispatch_hours=2,
        accept_hours=2,
        handle_hours=8,
        verify_hours=4,
    )
    zombie = CaseCategory.objects.create(code="0102", name="僵尸车", parent=env, handle_hours=24)
    dispute = CaseCategory.objects.create(code="02", name="矛盾纠纷", auto_escalate=False)
    return {"env": env, "clutter": clutter, "zombie": zombie, "dispute": dispute}


@pytest.fixture
def handler(db):
    return UserFactory(username="handler", display_name="物业张师傅")


@pytest.fixture
def unit(grids, handler):
    unit = HandlingUnit.objects.create(name="百合社区环卫队", kind=UnitKind.COMMUNITY_TEAM, area=grids["C1"])
    unit.members.add(handler)
    return unit


@pytest.fixture
def street_unit(grids):
    return HandlingUnit.objects.create(name="新碶街道城管中队", kind=UnitKind.DEPARTMENT, area=grids["S1"])


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, color).save(out, format="JPEG", **kwargs)
    return out.getvalue()


@pytest.fixture
def photo():
    """An uploaded JPEG (a fresh file object each call)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="photo.jpg", **kwargs):
        return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")

    return make


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def reported(categories, grids, grid_member, media):
    """A clutter case reported by the G1 grid member on Monday 09:00."""
    return report_case(
        category=categories["clutter"],
        description="富春江路人行道堆放建筑垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        now=MONDAY_9,
    )
