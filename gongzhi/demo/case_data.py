"""The facts the demo's grid cases are built from: the holiday schedules, the handling units,
the case categories with their limits and how their cases tend to go, and the words the
people in the timelines use. ``gongzhi.demo.cases`` plans and loads the cases from them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from gongzhi.cases.choices import CaseLevel, CaseSource, Stage, UnitKind, Urgency

# The State Council's schedules for 2024–2026 (国务院办公厅关于部分节假日安排的通知):
# days off, and the weekend days worked in exchange (调休上班). A district checks them each
# year and edits them in the admin (节假日与调休).
HOLIDAYS: tuple[tuple[str, str, bool], ...] = (
    ("2024-01-01", "元旦", False),
    *((f"2024-02-{d:02d}", "春节", False) for d in range(10, 18)),
    ("2024-02-04", "春节调休上班", True),
    ("2024-02-18", "春节调休上班", True),
    *((f"2024-04-{d:02d}", "清明节", False) for d in range(4, 7)),
    ("2024-04-07", "清明节调休上班", True),
    *((f"2024-05-{d:02d}", "劳动节", False) for d in range(1, 6)),
    ("2024-04-28", "劳动节调休上班", True),
    ("2024-05-11", "劳动节调休上班", True),
    ("2024-06-10", "端午节", False),
    *((f"2024-09-{d:02d}", "中秋节", False) for d in range(15, 18)),
    ("2024-09-14", "中秋节调休上班", True),
    *((f"2024-10-{d:02d}", "国庆节", False) for d in range(1, 8)),
    ("2024-09-29", "国庆节调休上班", True),
    ("2024-10-12", "国庆节调休上班", True),
    ("2025-01-01", "元旦", False),
    *((f"2025-01-{d:02d}", "春节", False) for d in range(28, 32)),
    *((f"2025-02-{d:02d}", "春节", False) for d in range(1, 5)),
    ("2025-01-26", "春节调休上班", True),
    ("2025-02-08", "春节调休上班", True),
    *((f"2025-04-{d:02d}", "清明节", False) for d in range(4, 7)),
    *((f"2025-05-{d:02d}", "劳动节", False) for d in range(1, 6)),
    ("2025-04-27", "劳动节调休上班", True),
    ("2025-05-31", "端午节", False),
    *((f"2025-06-{d:02d}", "端午节", False) for d in range(1, 3)),
    *((f"2025-10-{d:02d}", "国庆节、中秋节", False) for d in range(1, 9)),
    ("2025-09-28", "国庆节调休上班", True),
    ("2025-10-11", "国庆节调休上班", True),
    *((f"2026-01-{d:02d}", "元旦", False) for d in range(1, 4)),
    ("2026-01-04", "元旦调休上班", True),
    *((f"2026-02-{d:02d}", "春节", False) for d in range(15, 24)),
    ("2026-02-14", "春节调休上班", True),
    ("2026-02-28", "春节调休上班", True),
    *((f"2026-04-{d:02d}", "清明节", False) for d in range(4, 7)),
    *((f"2026-05-{d:02d}", "劳动节", False) for d in range(1, 6)),
    ("2026-05-09", "劳动节调休上班", True),
    *((f"2026-06-{d:02d}", "端午节", False) for d in range(19, 22)),
    *((f"2026-09-{d:02d}", "中秋节", False) for d in range(25, 28)),
    *((f"2026-10-{d:02d}", "国庆节", False) for d in range(1, 8)),
    ("2026-09-20", "国庆节调休上班", True),
    ("2026-10-10", "国庆节调休上班", True),
)

# District departments (区级职能部门): the categories' default units.
DISTRICT_UNITS = (
    ("区综合行政执法局", UnitKind.DEPARTMENT, "0574-86781234"),
    ("区交通运输局", UnitKind.DEPARTMENT, "0574-86782345"),
    ("区消防救援大队", UnitKind.DEPARTMENT, "0574-86783456"),
    ("区司法局", UnitKind.DEPARTMENT, "0574-86784567"),
    ("区民政局", UnitKind.DEPARTMENT, "0574-86785678"),
)
# Every street's offices; ``{stem}`` is the street's name without 街道.
STREET_UNITS = (
    ("{street}综合行政执法中队", UnitKind.DEPARTMENT),
    ("{street}环卫所", UnitKind.DEPARTMENT),
    ("{street}司法所", UnitKind.DEPARTMENT),
    ("{street}应急消防管理站", UnitKind.DEPARTMENT),
    ("{street}社会事务办公室", UnitKind.DEPARTMENT),
    ("{stem}安居物业", UnitKind.PROPERTY_COMPANY),
)
# Every community's teams; ``{community}`` is its name (百合社区环卫队 …).
COMMUNITY_UNITS = (
    ("{community}环卫队", UnitKind.COMMUNITY_TEAM),
    ("{community}人民调解委员会", UnitKind.COMMUNITY_TEAM),
    ("{community}为民服务站", UnitKind.COMMUNITY_TEAM),
)

HANDLER_USERNAME = "handler"
HANDLER_UNIT = "{community}环卫队"  # in the demo logins' community, 百合社区

CAMPAIGN_NAME = "新碶街道环境卫生整治"
CAMPAIGN_START = datetime.date(2026, 8, 3)
CAMPAIGN_END = datetime.date(2026, 10, 30)


@dataclass(frozen=True)
class CategorySpec:
    """A case category and how its cases tend to go.

    ``hours``: register, dispatch, accept, handle and verify limits (working hours).
    ``weight``: its share of cases. ``on_site``: the chance a grid member's report of it is
    resolved on the spot. ``levels``: the chance it is resolved at grid, community, street
    or district level. ``units``: the unit that handles it at grid/community, street and
    district level (a pattern from the unit tables above).
    """

    code: str
    name: str
    parent: str | None = None
    urgency: str = Urgency.NORMAL
    hours: tuple[float, float, float, float, float] = (2, 2, 2, 24, 8)
    auto_escalate: bool = True
    weight: float = 0.0
    on_site: float = 0.0
    levels: tuple[float, float, float, float] = (1, 0, 0, 0)
    units: tuple[str, str, str] = ("{community}环卫队", "{street}综合行政执法中队", "区综合行政执法局")
    descriptions: tuple[str, ...] = ()
    results: tuple[str, ...] = ()


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("01", "市容环境"),
    CategorySpec(
        "0101",
        "占道堆物",
        "01",
        hours=(2, 2, 2, 8, 4),
        weight=17,
        on_site=0.45,
        levels=(0.86, 0.1, 0.035, 0.005),
        descriptions=(
            "{place}堆放装修建筑垃圾，占用人行道",
            "{place}商户占道经营，货物堆到盲道上",
            "{place}废旧家具、床垫长期堆放",
        ),
        results=("已清理完毕，人行道恢复通行", "已督促商户将货物搬回店内", "已联系环卫清运"),
    ),
    CategorySpec(
        "0102",
        "暴露垃圾",
        "01",
        hours=(2, 2, 1, 4, 4),
        weight=20,
        on_site=0.55,
        levels=(0.9, 0.08, 0.02, 0),
        units=("{community}环卫队", "{street}环卫所", "区综合行政执法局"),
        descriptions=(
            "{place}垃圾桶满溢，周边散落生活垃圾",
            "{place}绿化带内有暴露垃圾",
            "{place}河道边堆有生活垃圾",
        ),
        results=("已清运垃圾并消杀", "已清理，垃圾桶已增加清运频次"),
    ),
    CategorySpec(
        "0103",
        "僵尸车",
        "01",
        hours=(2, 2, 2, 40, 8),
        weight=5,
        levels=(0.55, 0.25, 0.17, 0.03),
        units=("{street}综合行政执法中队", "{street}综合行政执法中队", "区综合行政执法局"),
        descriptions=(
            "{place}一辆{color}轿车长期停放，积灰严重、轮胎漏气",
            "{place}无牌电动三轮车长期占用车位",
        ),
        results=("已联系车主挪走", "已张贴告知书，逾期未挪，依法拖移"),
    ),
    CategorySpec(
        "0104",
        "违法搭建",
        "01",
        urgency=Urgency.URGENT,
        hours=(2, 2, 2, 80, 8),
        weight=4,
        levels=(0.35, 0.3, 0.28, 0.07),
        units=("{street}综合行政执法中队", "{street}综合行政执法中队", "区综合行政执法局"),
        descriptions=(
            "{place}楼顶新建彩钢棚",
            "{place}一楼住户扩建院墙、搭建阳光房",
            "{place}商铺违规搭建雨棚",
        ),
        results=("已责令当事人自行拆除，现场已恢复", "经执法中队依法拆除"),
    ),
    CategorySpec(
        "0105",
        "绿化带养殖",
        "01",
        hours=(2, 2, 2, 16, 8),
        weight=4,
        on_site=0.3,
        levels=(0.8, 0.15, 0.05, 0),
        descriptions=("{place}绿化带内圈养鸡鸭", "{place}公共绿地被开垦种菜并养殖家禽"),
        results=("已劝导居民清除家禽，绿化带已恢复", "已拆除鸡笼并补种绿植"),
    ),
    CategorySpec(
        "0106",
        "乱张贴",
        "01",
        weight=8,
        hours=(2, 2, 2, 8, 4),
        on_site=0.6,
        levels=(0.92, 0.07, 0.01, 0),
        descriptions=("{place}墙面、电线杆乱贴小广告", "{place}公交站台张贴办证小广告"),
        results=("已清除小广告", "已清理并喷涂防贴涂层"),
    ),
    CategorySpec("02", "矛盾纠纷", auto_escalate=False),
    CategorySpec(
        "0201",
        "邻里纠纷",
        "02",
        hours=(2, 2, 2, 24, 8),
        auto_escalate=False,
        weight=7,
        on_site=0.35,
        levels=(0.75, 0.18, 0.06, 0.01),
        units=("{community}人民调解委员会", "{street}司法所", "区司法局"),
        descriptions=(
            "{community}{building}幢楼上楼下因漏水发生纠纷",
            "{community}{building}幢邻里因装修噪音发生争执",
            "{place}邻居因占用楼道发生矛盾",
        ),
        results=("经调解，双方达成一致", "已组织双方协商，签订调解协议"),
    ),
    CategorySpec(
        "0202",
        "物业纠纷",
        "02",
        hours=(2, 4, 2, 40, 8),
        auto_escalate=False,
        weight=6,
        on_site=0.1,
        levels=(0.6, 0.25, 0.13, 0.02),
        units=("{stem}安居物业", "{street}司法所", "区司法局"),
        descriptions=(
            "{community}业主反映物业不按时清运垃圾",
            "{community}业主与物业因停车收费发生纠纷",
            "{community}{building}幢电梯长期故障，业主与物业协商未果",
        ),
        results=("经协调，物业已整改", "已召开业主、物业协调会，问题解决"),
    ),
    CategorySpec("03", "公共安全"),
    CategorySpec(
        "0301",
        "消防隐患",
        "03",
        urgency=Urgency.URGENT,
        hours=(1, 1, 1, 8, 4),
        weight=6,
        on_site=0.25,
        levels=(0.8, 0.12, 0.07, 0.01),
        units=("{community}环卫队", "{street}应急消防管理站", "区消防救援大队"),
        descriptions=(
            "{community}{building}幢楼道堆放杂物、电动车飞线充电",
            "{place}消防通道被车辆堵塞",
            "{place}沿街商铺灭火器过期",
        ),
        results=("已清理楼道杂物，取缔飞线充电", "已疏通消防通道", "已督促商铺更换灭火器"),
    ),
    CategorySpec(
        "0302",
        "道路设施损坏",
        "03",
        hours=(2, 2, 2, 24, 8),
        weight=7,
        levels=(0.55, 0.2, 0.18, 0.07),
        units=("{street}综合行政执法中队", "{street}综合行政执法中队", "区交通运输局"),
        descriptions=("{place}人行道地砖破损松动", "{place}窨井盖缺失", "{place}路灯不亮", "{place}护栏损坏"),
        results=("已修复", "已设置警示并完成维修"),
    ),
    CategorySpec("04", "民生服务", auto_escalate=False),
    CategorySpec(
        "0401",
        "困难帮扶",
        "04",
        hours=(4, 4, 2, 40, 8),
        auto_escalate=False,
        weight=5,
        on_site=0.1,
        levels=(0.7, 0.25, 0.05, 0),
        units=("{community}为民服务站", "{street}社会事务办公室", "区民政局"),
        descriptions=(
            "{community}{building}幢独居老人生活困难，申请临时救助",
            "{community}困难家庭子女就学需要帮扶",
        ),
        results=("已落实临时救助", "已对接助学资源"),
    ),
    CategorySpec(
        "0402",
        "养老服务",
        "04",
        hours=(4, 4, 2, 24, 8),
        auto_escalate=False,
        weight=4,
        on_site=0.05,
        levels=(0.75, 0.2, 0.05, 0),
        units=("{community}为民服务站", "{street}社会事务办公室", "区民政局"),
        descriptions=(
            "{community}{building}幢高龄老人需要助餐服务",
            "{community}失能老人家属咨询居家养老上门服务",
        ),
        results=("已安排助餐服务", "已安排服务人员上门评估"),
    ),
)

# Longer limits higher up for the slow categories (CategoryTimeLimit rows).
TIME_LIMITS = (
    ("0104", Stage.HANDLE, CaseLevel.STREET, 120),
    ("0104", Stage.HANDLE, CaseLevel.DISTRICT, 160),
    ("0103", Stage.HANDLE, CaseLevel.STREET, 56),
    ("0302", Stage.HANDLE, CaseLevel.DISTRICT, 80),
    ("0202", Stage.HANDLE, CaseLevel.STREET, 56),
)

ROADS = (
    "明州路", "新大路", "长江路", "黄山路", "岷山路", "庐山路", "太河路", "富春江路", "珠江路",
    "淮河路", "四明山路", "华山路", "嵩山路", "泰山路", "衡山路", "恒山路", "天目山路", "松花江路",
    "黄河路", "通途路", "中河路", "大碶路", "凤洋路", "金山路", "宝山路", "昆仑山路",
)  # fmt: skip
COLOURS = ("白色", "黑色", "银色", "红色", "蓝色")

SOURCES = (
    (CaseSource.GRID_MEMBER, 0.6),
    (CaseSource.PARTY_VOLUNTEER, 0.1),
    (CaseSource.RESIDENT, 0.15),
    (CaseSource.HOTLINE, 0.1),
    (CaseSource.INSPECTION, 0.05),
)
ESCALATION_NOTES = {
    CaseLevel.COMMUNITY: ("情况较复杂，网格内无法解决，请社区协调", "涉及多户居民，需社区统筹"),
    CaseLevel.STREET: ("涉及执法，需街道统筹处置", "社区协调未果，请街道协调相关部门"),
    CaseLevel.DISTRICT: ("涉及跨部门职责，需区级协调", "需区级职能部门处置"),
}
REJECT_REASONS = (
    "非本辖区事项，已告知上报人",
    "重复上报",
    "信息不全，经核实问题不存在",
    "属于民事纠纷，已引导通过诉讼解决",
)
DEFER_REASONS = ("需纳入年度改造计划，暂缓办理", "涉及历史遗留问题，挂账跟踪")
EXTEND_REASONS = ("需协调相关部门，申请延期", "等待材料和配件，申请延期")
REWORK_NOTES = ("现场仍有残留，需再次处理", "整改不彻底，请返工")
SUPERVISE_NOTES = ("请加快处置进度，按期反馈", "群众反映强烈，请优先处理")
CLOSE_NOTES = ("已电话回访上报人，确认问题解决", "经视频核实，已处置到位")

AUTO_ESCALATE_LABEL = "系统（超期自动上报）"
SYSTEM_LABEL = "系统"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟"
)
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
    "霞", "平", "刚", "桂英", "建华", "海燕", "志强", "晓东", "国平", "玉兰", "丹", "斌",
)  # fmt: skip
