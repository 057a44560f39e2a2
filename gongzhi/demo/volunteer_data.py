"""The facts the demo's volunteers are drawn from (see ``gongzhi.demo.volunteers``).

From the source: 红领之家 has about 1,206 registered volunteers, 711 of them party members or
activists, who since 2012 have given about 2,361 services (activities held) and 47,525 hours;
the justice office has placed 374 community-correction volunteers since 2014, none of whom
went out of supervision or re-offended. Everything else (the series of activities, the other
organizations' volunteers, the wishes) is invented but plausible.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from gongzhi.demo.organization_data import ALLIANCE_TEXT
from gongzhi.volunteers.choices import ActivityCategory as Cat
from gongzhi.volunteers.choices import WishCategory

# --- 红领之家 -----------------------------------------------------------------------------------

HONGLING_HOME = "红领之家"
HONGLING_STREET = "新碶街道"
HONGLING_VOLUNTEERS = 1206
HONGLING_PARTY = 711  # party members, probationary members and activists among them
HONGLING_ACTIVITIES = 2361  # activities held (not cancelled) before the reference date
HONGLING_HOURS = 47525  # approved hours, adjustments included
HONGLING_SINCE = datetime.date(2012, 3, 1)
HONGLING_ALLIANCE = "红领志愿服务联盟"
# Its festival activities are published jointly with the alliance once it exists.
HONGLING_ALLIANCE_FOUNDED = ALLIANCE_TEXT[HONGLING_ALLIANCE][1]
# The ``volunteer`` login's person: with 红领之家 since 2015, with the hiking club since 2019.
LOGIN_JOINED = datetime.date(2015, 5, 12)
LOGIN_SECOND_ORG = "百灵鸟家庭环保登山俱乐部"
LOGIN_SECOND_JOINED = datetime.date(2019, 3, 2)
# How often the login comes: to the weekly 敬老 (its team's), to 红领之家's other activities,
# to the club's hikes.
LOGIN_CHANCE = {"weekly:1": 0.26, HONGLING_HOME: 0.04, LOGIN_SECOND_ORG: 0.25}

# Activities of the last week before the reference date still wait for approval.
PENDING_DAYS = 7
# The winter schedule (through February) was published on this day and hour; sign-up for
# all of it opened then and closes when each activity starts.
WINTER_PUBLISHED = (datetime.date(2026, 10, 26), datetime.time(9, 0))
UPCOMING_UNTIL = datetime.date(2027, 2, 28)


@dataclass(frozen=True)
class Series:
    """A recurring activity of an organization.

    ``rule``: ``weekly:<weekday>``, ``biweekly:<weekday>``, ``monthly:<n>:<weekday>`` (the n-th
    weekday of the month; n = -1 for the last) with weekday 0 = Monday; ``spring``, ``qingming``,
    ``july1``, ``august1`` and ``chongyang`` are the festival dates below. ``attend`` is the
    usual number of volunteers who come (before the planner scales it to the source's hours).
    ``place`` may name ``{community}``, then the activity is held in one of the organization's
    street's communities in turn.
    """

    org: str
    title: str
    category: str
    rule: str
    start: datetime.time
    minutes: int
    capacity: int
    attend: float
    place: str
    since: datetime.date
    team: str = ""
    description: str = ""
    joint: bool = False  # published with the organization's alliance once it exists


T = datetime.time

HONGLING_SERIES: tuple[Series, ...] = (
    Series(HONGLING_HOME, "银龄关爱·每周敬老服务", Cat.ELDER_CARE, "weekly:1", T(9, 0), 150, 12, 8.5,
           "百合社区居家养老服务中心", datetime.date(2012, 3, 1), "敬老服务队",
           "陪老人聊天、量血压、理发、打扫卫生，帮独居老人代购代办。"),
    Series(HONGLING_HOME, "红领巡防·夜间平安巡逻", Cat.SAFETY, "weekly:4", T(19, 0), 120, 10, 7.0,
           "百合社区党群服务中心门口集合", datetime.date(2013, 5, 1), "平安巡防队",
           "沿小区主干道和沿街商铺巡查，提醒关好门窗、消除消防隐患。"),
    Series(HONGLING_HOME, "助老上门·居家探访", Cat.ELDER_CARE, "weekly:3", T(14, 0), 120, 8, 6.0,
           "{community}独居老人家中", datetime.date(2018, 3, 1), "敬老服务队",
           "两人一组上门探访独居和高龄老人，查看水电燃气安全，记录老人需求。"),
    Series(HONGLING_HOME, "红领护绿·小区绿地养护", Cat.GREENING, "monthly:2:5", T(8, 30), 150, 20, 12.0,
           "百合社区中心绿地", datetime.date(2012, 4, 1), "护绿队",
           "修剪花木、清理绿化带垃圾、劝导毁绿种菜。"),
    Series(HONGLING_HOME, "老兵讲堂·政策宣讲", Cat.VETERANS, "monthly:-1:2", T(14, 30), 120, 30, 14.0,
           "百合社区党群服务中心多功能厅", datetime.date(2014, 1, 1), "老兵宣讲团",
           "老党员、老兵讲党史和身边故事，宣讲退役军人优待政策。"),
    Series(HONGLING_HOME, "红领调解·邻里纠纷调解", Cat.LEGAL, "biweekly:3", T(9, 0), 120, 6, 4.0,
           "百合社区红领调解室", datetime.date(2016, 3, 1), "邻里调解队",
           "老党员调解员坐班，化解噪音、漏水、停车等邻里纠纷，必要时请律师志愿者到场。"),
    Series(HONGLING_HOME, "新春走访慰问困难老兵", Cat.VETERANS, "spring", T(9, 0), 180, 24, 18.0,
           "{community}", HONGLING_SINCE, "老兵宣讲团",
           "春节前走访辖区困难退役军人和老党员，送去慰问品和新春祝福。", joint=True),
    Series(HONGLING_HOME, "清明祭英烈", Cat.VETERANS, "qingming", T(9, 0), 150, 40, 26.0,
           "北仑烈士陵园", HONGLING_SINCE, "老兵宣讲团",
           "组织党员和青少年祭扫烈士墓，讲述英烈故事。", joint=True),
    Series(HONGLING_HOME, "七一走访慰问老党员", Cat.VETERANS, "july1", T(9, 0), 180, 24, 18.0,
           "{community}", HONGLING_SINCE, "敬老服务队",
           "七一前夕走访老党员、困难党员，送上慰问金和党报党刊。", joint=True),
    Series(HONGLING_HOME, "八一老兵座谈", Cat.VETERANS, "august1", T(14, 30), 150, 40, 24.0,
           "百合社区党群服务中心多功能厅", HONGLING_SINCE, "老兵宣讲团",
           "建军节老兵座谈，为新入伍青年送行。", joint=True),
    Series(HONGLING_HOME, "重阳敬老·理发义诊", Cat.ELDER_CARE, "chongyang", T(8, 30), 180, 30, 22.0,
           "百合社区广场", HONGLING_SINCE, "敬老服务队",
           "为老人义务理发、量血压、测血糖，请社区医生解答用药问题。", joint=True),
)  # fmt: skip

HONGLING_TEAMS = ("敬老服务队", "平安巡防队", "护绿队", "老兵宣讲团", "邻里调解队")

# Typhoon days: activities on them were cancelled and their sign-ups told why.
TYPHOON_DAYS = {
    datetime.date(2019, 8, 10): "台风“利奇马”影响，活动取消",
    datetime.date(2021, 7, 25): "台风“烟花”影响，活动取消",
    datetime.date(2024, 9, 16): "台风“贝碧嘉”影响，活动取消",
}

# Festival dates (the lunar ones from the calendar), for the festival series.
SPRING_FESTIVAL = {
    2012: datetime.date(2012, 1, 23), 2013: datetime.date(2013, 2, 10), 2014: datetime.date(2014, 1, 31),
    2015: datetime.date(2015, 2, 19), 2016: datetime.date(2016, 2, 8), 2017: datetime.date(2017, 1, 28),
    2018: datetime.date(2018, 2, 16), 2019: datetime.date(2019, 2, 5), 2020: datetime.date(2020, 1, 25),
    2021: datetime.date(2021, 2, 12), 2022: datetime.date(2022, 2, 1), 2023: datetime.date(2023, 1, 22),
    2024: datetime.date(2024, 2, 10), 2025: datetime.date(2025, 1, 29), 2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
}  # fmt: skip
CHONGYANG = {
    2012: datetime.date(2012, 10, 23), 2013: datetime.date(2013, 10, 13), 2014: datetime.date(2014, 10, 2),
    2015: datetime.date(2015, 10, 21), 2016: datetime.date(2016, 10, 9), 2017: datetime.date(2017, 10, 28),
    2018: datetime.date(2018, 10, 17), 2019: datetime.date(2019, 10, 7), 2020: datetime.date(2020, 10, 25),
    2021: datetime.date(2021, 10, 14), 2022: datetime.date(2022, 10, 4), 2023: datetime.date(2023, 10, 23),
    2024: datetime.date(2024, 10, 11), 2025: datetime.date(2025, 10, 29), 2026: datetime.date(2026, 10, 18),
}  # fmt: skip

# --- the other organizations ------------------------------------------------------------------


@dataclass(frozen=True)
class OrgVolunteers:
    """Another organization's volunteer register: how many, the share of party members and
    activists, since when, and how many of them also serve with 红领之家 (same street only)."""

    org: str
    street: str
    volunteers: int
    party_share: float
    since: datetime.date
    shared_with_hongling: float = 0.0


OTHER_ORGS: tuple[OrgVolunteers, ...] = (
    OrgVolunteers("北仑区百灵鸟公益服务中心", "新碶街道", 420, 0.2, datetime.date(2014, 3, 1), 0.1),
    OrgVolunteers("百灵鸟家庭环保登山俱乐部", "新碶街道", 160, 0.15, datetime.date(2017, 6, 1), 0.25),
    OrgVolunteers("蒲公英爱心团", "新碶街道", 200, 0.3, datetime.date(2017, 11, 10), 0.1),
    OrgVolunteers("金葵花志愿服务队", "小港街道", 90, 0.7, datetime.date(2018, 7, 1)),
    OrgVolunteers("朝霞妈妈代表工作室", "梅山街道", 40, 0.4, datetime.date(2018, 4, 20)),
    OrgVolunteers("淡江知行社", "大碶街道", 80, 0.15, datetime.date(2019, 4, 1)),
)

OTHER_SERIES: tuple[Series, ...] = (
    Series("北仑区百灵鸟公益服务中心", "益起捡·城市净滩行动", Cat.LITTER, "monthly:3:5", T(8, 30), 180, 45, 26.0,
           "梅山湾沙滩公园", datetime.date(2014, 3, 1), "益起捡小队",
           "沿沙滩和步道捡拾垃圾并分类称重，宣传海洋垃圾危害。"),
    Series("北仑区百灵鸟公益服务中心", "垃圾分类桶边督导", Cat.ENVIRONMENT, "monthly:1:2", T(18, 30), 90, 12, 8.0,
           "{community}垃圾分类投放点", datetime.date(2019, 7, 1), "环保宣传队",
           "晚间投放高峰在分类桶边指导居民分类投放。"),
    Series("百灵鸟家庭环保登山俱乐部", "亲子环保登山", Cat.ENVIRONMENT, "monthly:1:6", T(8, 0), 210, 40, 22.0,
           "九峰山景区南门", datetime.date(2017, 6, 1), "",
           "亲子家庭登山，沿途捡拾垃圾，认识山林植物。"),
    Series("蒲公英爱心团", "四点半课堂", Cat.EDUCATION, "biweekly:2", T(16, 30), 90, 10, 6.5,
           "星阳社区四点半课堂", datetime.date(2017, 11, 10), "助学小组",
           "为双职工家庭和困难家庭孩子辅导作业、陪伴阅读。"),
    Series("蒲公英爱心团", "护绿认养·街心公园", Cat.GREENING, "monthly:-1:5", T(8, 30), 120, 15, 8.0,
           "星阳社区街心公园", datetime.date(2018, 4, 1), "",
           "认养街心公园绿地，浇水除草，清理白色垃圾。"),
    Series("金葵花志愿服务队", "金葵花助餐送餐", Cat.ELDER_CARE, "weekly:0", T(10, 30), 120, 8, 5.5,
           "红联社区老年食堂", datetime.date(2018, 7, 1), "",
           "为独居和行动不便的老人送餐上门，陪老人用餐。"),
    Series("朝霞妈妈代表工作室", "朝霞妈妈家事调解", Cat.LEGAL, "monthly:2:1", T(14, 0), 120, 6, 3.5,
           "海棠社区朝霞妈妈代表工作室", datetime.date(2018, 4, 20), "",
           "倾听家庭和邻里诉求，调解家事纠纷，关爱留守儿童。"),
    Series("淡江知行社", "知行读书会·社区阅读推广", Cat.CULTURE, "biweekly:5", T(14, 0), 120, 20, 9.0,
           "九峰社区文化家园", datetime.date(2019, 4, 1), "",
           "读书分享、绘本共读和社区小调研。"),
)  # fmt: skip

# --- community correction ---------------------------------------------------------------------

CORRECTION_TOTAL = 374
CORRECTION_SINCE = datetime.date(2014, 1, 1)
# Terms in months (社区矫正 terms run from a few months to several years).
CORRECTION_TERMS = (6, 6, 8, 10, 12, 12, 12, 18, 24, 36)
# The supervising organizations by the year a term starts (organizations with an outdoor or
# community activity most months that the persons take part in); weights.
CORRECTION_ORGS: tuple[tuple[int, dict[str, int]], ...] = (
    (2014, {HONGLING_HOME: 5, "北仑区百灵鸟公益服务中心": 5}),
    (
        2018,
        {HONGLING_HOME: 4, "北仑区百灵鸟公益服务中心": 3, "百灵鸟家庭环保登山俱乐部": 1, "蒲公英爱心团": 2},
    ),
)
# Categories they do not serve in (children's tutoring).
CORRECTION_EXCLUDED = (Cat.EDUCATION,)
CORRECTION_NOTE = "每月参加公益活动，服务时长计入矫正考核。"

# --- volunteers -------------------------------------------------------------------------------

SKILLS = (
    "理发", "驾驶", "医疗护理", "法律咨询", "心理疏导", "摄影", "书法", "文艺表演", "家电维修",
    "水电维修", "烹饪", "手语", "英语", "电脑操作", "宣讲", "调解", "急救", "园艺",
)  # fmt: skip
AVAILABILITY = ("工作日上午", "工作日下午", "工作日晚上", "周末", "周末上午", "节假日", "随时可约")

# --- micro-wishes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WishData:
    """A micro-wish: its state at the reference date and, for the beneficiary, a tag.

    ``posted`` is the day it was posted; ``claimer`` the login that claimed it (``volunteer``,
    ``org_leader`` as 红领之家, ``resident`` as a donor); ``released`` marks a wish whose
    first claim lapsed and went back to the wall before it was claimed again."""

    title: str
    category: str
    value: int
    tag: str
    status: str
    posted: datetime.date
    expires: datetime.date
    claimer: str = ""
    claim_days: int = 14
    description: str = ""
    released: bool = False
    note: str = ""


_D = datetime.date
# Veterans' New Year wishes (老兵新春微心愿) for three winters, and other residents' needs.
WISHES: tuple[WishData, ...] = (
    WishData("一件厚实的军绿色棉大衣", WishCategory.FESTIVAL, 320, "veteran", "confirmed",
             _D(2024, 12, 20), _D(2025, 1, 25), "org_leader", 20, "老兵新春微心愿：冬天出门想穿得暖和些。"),
    WishData("一台能听戏的收音机", WishCategory.FESTIVAL, 150, "veteran", "confirmed",
             _D(2024, 12, 20), _D(2025, 1, 25), "volunteer", 20, "老兵新春微心愿：每天想听越剧和新闻。"),
    WishData("和老战友视频通话一次", WishCategory.SERVICE, 0, "veteran", "confirmed",
             _D(2024, 12, 22), _D(2025, 1, 25), "volunteer", 20, "老兵新春微心愿：想看看当年一个连的战友。"),
    WishData("一副合适的老花镜", WishCategory.FESTIVAL, 180, "veteran", "confirmed",
             _D(2024, 12, 22), _D(2025, 1, 25), "resident", 20, "老兵新春微心愿：看报纸太吃力。"),
    WishData("一套《党史故事》连环画", WishCategory.FESTIVAL, 120, "veteran", "confirmed",
             _D(2025, 12, 18), _D(2026, 2, 10), "org_leader", 20, "老兵新春微心愿：讲给孙子听。"),
    WishData("一双防滑保暖棉鞋", WishCategory.FESTIVAL, 160, "veteran", "confirmed",
             _D(2025, 12, 18), _D(2026, 2, 10), "resident", 20, "老兵新春微心愿：冬天下楼怕滑倒。",
             released=True),
    WishData("拍一张全家福", WishCategory.SERVICE, 300, "veteran", "confirmed",
             _D(2025, 12, 19), _D(2026, 2, 10), "volunteer", 20, "老兵新春微心愿：穿上旧军装和家人合影。"),
    WishData("一个电暖脚炉", WishCategory.FESTIVAL, 200, "veteran", "withdrawn",
             _D(2025, 12, 19), _D(2026, 2, 10), "", 20, "老兵新春微心愿。", note="心愿人已随子女搬往外地居住"),
    WishData("一个带放大镜的血压计", WishCategory.HEALTH, 260, "veteran", "expired",
             _D(2025, 12, 20), _D(2026, 2, 10), "", 20, "老兵新春微心愿：想自己在家量血压。"),
    WishData("一本大字版《红岩》", WishCategory.FESTIVAL, 60, "veteran", "posted",
             _D(2026, 10, 22), _D(2027, 1, 31), "", 60, "老兵新春微心愿：年轻时读过，想再读一遍。"),
    WishData("一顶保暖的毛线帽", WishCategory.FESTIVAL, 80, "veteran", "posted",
             _D(2026, 10, 22), _D(2027, 1, 31), "", 60, "老兵新春微心愿。"),
    WishData("去烈士陵园看看老连长", WishCategory.SERVICE, 0, "veteran", "posted",
             _D(2026, 10, 23), _D(2027, 1, 31), "", 60, "老兵新春微心愿：行动不便，需要志愿者陪同。"),
    WishData("一台助听器", WishCategory.HEALTH, 1800, "veteran", "claimed",
             _D(2026, 10, 20), _D(2027, 1, 31), "org_leader", 60, "老兵新春微心愿：耳背多年，想听清家人说话。"),
    WishData("一件新军便服", WishCategory.FESTIVAL, 280, "veteran", "claimed",
             _D(2026, 10, 21), _D(2027, 1, 31), "volunteer", 60, "老兵新春微心愿：过年穿。"),
    WishData("一套智能手机使用教学", WishCategory.SERVICE, 0, "veteran", "fulfilled",
             _D(2026, 10, 8), _D(2026, 12, 31), "volunteer", 14, "想学会用手机看新闻、和孙女视频。"),
    WishData("一辆轻便轮椅", WishCategory.HEALTH, 900, "disabled", "confirmed",
             _D(2025, 5, 10), _D(2025, 7, 31), "org_leader", 30, "腿脚不便，想出门晒晒太阳。"),
    WishData("卫生间加装扶手", WishCategory.SERVICE, 350, "elderly", "confirmed",
             _D(2025, 9, 3), _D(2025, 11, 30), "volunteer", 30, "独居老人，洗澡时怕摔倒。"),
    WishData("一台电饭煲", WishCategory.DAILY, 260, "elderly", "fulfilled",
             _D(2026, 9, 28), _D(2026, 12, 31), "resident", 30, "旧电饭煲坏了，独居老人做饭不便。"),
    WishData("冬天的一床厚棉被", WishCategory.DAILY, 300, "elderly", "claimed",
             _D(2026, 10, 15), _D(2027, 1, 15), "resident", 60, "独居老人，家里被子太薄。"),
    WishData("一盏护眼台灯", WishCategory.STUDY, 150, "disabled", "posted",
             _D(2026, 10, 12), _D(2027, 1, 15), "", 30, "残疾人家庭的孩子晚上写作业。"),
    WishData("一套助行拐杖", WishCategory.HEALTH, 220, "disabled", "posted",
             _D(2026, 10, 27), _D(2027, 1, 15), "", 30, "术后康复用。"),
    WishData("一个收纳柜", WishCategory.DAILY, 240, "elderly", "withdrawn",
             _D(2026, 6, 5), _D(2026, 8, 31), "resident", 30, "家中杂物多，想整理一下。",
             note="家属已自行购买"),
    WishData("一部老人手机", WishCategory.DAILY, 400, "elderly", "expired",
             _D(2026, 3, 1), _D(2026, 5, 31), "", 30, "按键大、声音响的手机。"),
)  # fmt: skip

FULFIL_PROOF = "已送到心愿人家中，心愿人很满意，附照片。"
CONFIRM_NOTE = "已与心愿人电话确认收到。"
