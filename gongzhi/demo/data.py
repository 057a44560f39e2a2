"""The facts the demo district is built from, modelled on the source report about 北仑区.

What the source states is kept as stated (ten streets, 新碶街道's nine zones and 143 grids,
红联社区 in 小港, 海棠社区, 百合片区, about 800,000 residents); everything else is invented
but plausible: codes follow the GB/T 2260 / 统计用区划代码 pattern, and most community names
borrow Beilun's road names (its roads are named after China's rivers and mountains).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DEMO_SEED = 20190701
DEMO_PASSWORD = "gongzhi-demo"  # noqa: S105 - the published password of the demo logins

DISTRICT_CODE = "330206"
DISTRICT_NAME = "北仑区"
# Everyone's ID number starts with the district's region code (GB 11643: 6-digit address code).
ID_REGION = DISTRICT_CODE

# The district's bounding box (lng west, lat south, lng east, lat north): roughly Beilun.
DISTRICT_BOX = (121.70, 29.75, 122.25, 29.98)

# Ages, birth dates and staffing dates are computed against this fixed day, not today, so
# that the demo is the same whenever it is built (a second run must change nothing).
# The demo's year of cases ends on this day.
REFERENCE_DATE = datetime.date(2026, 11, 1)
STAFF_START_DATES = (
    datetime.date(2021, 3, 1),
    datetime.date(2022, 1, 1),
    datetime.date(2023, 7, 1),
    datetime.date(2024, 1, 1),
)

TOTAL_POPULATION = 800_000
PERSONS_PER_HOUSEHOLD = (2.45, 2.75)  # households ≈ population / 2.6


@dataclass(frozen=True)
class StreetData:
    """One street (街道): its code, population and communities.

    ``zones`` is set only for 新碶街道 (zone name → its communities); ``grids`` then is the
    exact number of grids the source gives. Elsewhere ``grids_per_community`` is the range
    each community's grid count is drawn from: denser streets get more grids per community.
    """

    number: int
    name: str
    population: int
    communities: tuple[str, ...] = ()
    grids_per_community: tuple[int, int] = (3, 8)
    zones: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grids: int | None = None

    @property
    def code(self) -> str:
        return f"{DISTRICT_CODE}{self.number:03d}"


XINQI = StreetData(
    number=1,
    name="新碶街道",
    population=260_000,
    zones=(
        ("百合片区", ("百合社区", "新星社区", "明州社区", "学苑社区")),
        ("明港片区", ("明港社区", "星阳社区", "新城社区")),
        ("大港片区", ("大港社区", "东海社区", "港城社区")),
        ("太河片区", ("太河社区", "新大社区")),
        ("富春江片区", ("富春江社区", "松花江社区", "珠江社区")),
        ("嵩山片区", ("嵩山社区", "华山社区", "衡山社区")),
        ("泰山片区", ("泰山社区", "黄山社区", "恒山社区", "天目社区")),
        ("长江片区", ("长江社区", "黄河社区", "淮河社区")),
        ("庐山片区", ("庐山社区", "岷山社区", "四明社区")),
    ),
    grids=143,
)

# In the order of their codes; ``STREET_LAYOUT`` places them on the map.
STREETS: tuple[StreetData, ...] = (
    XINQI,
    StreetData(
        2,
        "大碶街道",
        150_000,
        ("灵峰社区", "九峰社区", "高塘社区", "横河社区", "璎珞社区", "坝头社区", "大碶社区", "和美社区"),
        (6, 8),
    ),
    StreetData(
        3,
        "小港街道",
        80_000,
        ("红联社区", "渡口社区", "衙前社区", "枫林社区", "高河塘社区", "纬五社区"),
        (4, 7),
    ),
    StreetData(
        4, "霞浦街道", 70_000, ("霞南社区", "霞浦社区", "下三山社区", "四顾桥社区", "长山社区"), (4, 7)
    ),
    StreetData(
        5,
        "柴桥街道",
        75_000,
        ("柴桥社区", "紫石社区", "芦江社区", "河头社区", "瑞岩社区", "沙溪社区"),
        (4, 7),
    ),
    StreetData(6, "戚家山街道", 35_000, ("蔚斗社区", "宏远社区", "联合社区", "桥东社区"), (3, 6)),
    StreetData(7, "春晓街道", 40_000, ("春晓社区", "昆亭社区", "三山社区", "慈岙社区"), (3, 6)),
    StreetData(8, "梅山街道", 30_000, ("海棠社区", "梅东社区", "梅中社区", "梅西社区"), (3, 6)),
    StreetData(9, "白峰街道", 35_000, ("白峰社区", "上阳社区", "阳东社区", "小门社区"), (3, 6)),
    StreetData(10, "郭巨街道", 25_000, ("郭巨社区", "峙南社区", "峙北社区"), (3, 6)),
)

# Two rows of five, west to east: the northern coast, then the south and the islands.
STREET_LAYOUT: tuple[str, ...] = (
    "小港街道",
    "戚家山街道",
    "新碶街道",
    "霞浦街道",
    "白峰街道",
    "大碶街道",
    "柴桥街道",
    "春晓街道",
    "梅山街道",
    "郭巨街道",
)

GRID_NUMERALS = "一二三四五六七八九十"

# Common mainland mobile prefixes, used when Faker's number does not look like a mobile.
MOBILE_PREFIXES = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "158", "159")
MOBILE_PREFIXES += ("177", "180", "181", "186", "187", "188", "189", "199")


@dataclass(frozen=True)
class LoginData:
    """A demo login: one per role, all in and around 新碶街道's 百合社区 so that the
    logins see overlapping data and can be compared.

    ``place`` names the area the role is held over: the district, 新碶街道, its first
    community (百合社区) or that community's first grid. ``staff_duty`` links the login to a
    person already staffing that grid (the grid member is its full-time 网格员); otherwise
    the login gets a person of its own.
    """

    username: str
    role: str
    place: str
    staff_duty: str = ""


DEMO_LOGINS: tuple[LoginData, ...] = (
    LoginData("district", "district_admin", "district"),
    LoginData("xinqi", "street_admin", "street"),
    LoginData("community", "community_worker", "community"),
    LoginData("grid", "grid_member", "grid", staff_duty="full_time"),
    LoginData("org_leader", "org_leader", "street"),
    LoginData("volunteer", "volunteer", "community", staff_duty="party_volunteer"),
    LoginData("justice", "justice_officer", "street"),
    LoginData("resident", "resident", "grid"),
    LoginData("finance", "finance", "district"),
    LoginData("evaluator", "evaluator", "district"),
    LoginData("sysadmin", "sysadmin", "district"),
    LoginData("auditor", "auditor", "district"),
)
