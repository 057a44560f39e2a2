"""The facts the demo's social organizations are drawn from (see ``gongzhi.demo.organizations``).

Named in the source: 红领之家, 百灵鸟公益联盟 and its members, 朝霞妈妈代表工作室 (梅山 海棠社区),
淡江知行社, 蒲公英爱心团, 大港风红娘工作室, 红领志愿服务联盟 of 18 institutions, 红联社区's
"80% and 80%", ~440 registered and ~2,200 filed organizations, 33 per 10,000 residents.
Everything else is invented but plausible.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

REGISTERED_TOTAL = 440
FILED_TOTAL = 2200
REGISTERING_AUTHORITY = "北仑区民政局"
ASSESSOR = "北仑区社会组织评估委员会"
REPORT_YEAR = 2025  # the last full year before the demo's reference date
REPORT_MISSING_SHARE = 0.08  # of organizations that owe the last year's report
FILED_FROM = datetime.date(2017, 3, 1)  # street-level filing began
FILED_UNTIL = datetime.date(2026, 10, 20)
REGISTERED_FROM = datetime.date(2003, 1, 1)
REGISTERED_UNTIL = datetime.date(2026, 9, 30)

# Party-building shares: 红联社区 is the source's example, elsewhere lower.
HONGLIAN = ("小港街道", "红联社区")
HONGLIAN_SHARE = 0.8
LEADER_PARTY_SHARE = 0.5
MEMBER_PARTY_SHARE = 0.55  # of a community's party members, those who join an organization
RESIDENT_PARTY_SHARE = 0.12

CHARTER_PATH = "organizations/charters/demo/社区社会组织章程示范文本.pdf"


@dataclass(frozen=True)
class NamedOrg:
    name: str
    street: str
    community: str
    track: str  # filed / registered
    category: str = ""
    legal_form: str = ""
    domains: tuple[str, ...] = ()
    description: str = ""
    founded: datetime.date = datetime.date(2016, 5, 1)
    started: datetime.date = datetime.date(2018, 3, 15)  # filed or registered on
    party_org_type: str = "none"
    leader_login: str = ""  # a demo login whose person leads it


NAMED: tuple[NamedOrg, ...] = (
    NamedOrg(
        "红领之家", "新碶街道", "百合社区", "filed", "charity", domains=("veterans", "elderly", "community"),
        description="由退役军人和老党员组成，开展走访慰问、政策宣讲、邻里调解和助老服务，是红领志愿服务联盟的牵头组织。",
        founded=datetime.date(2012, 3, 1), started=datetime.date(2017, 9, 12), party_org_type="independent",
        leader_login="org_leader",
    ),
    NamedOrg(
        "北仑区百灵鸟公益服务中心", "新碶街道", "明港社区", "registered", legal_form="social_service",
        domains=("environment", "children", "charity"),
        description="从一支家庭环保登山队成长起来的社会服务机构，牵头百灵鸟公益联盟，开展环保、助学和青少年公益活动。",
        founded=datetime.date(2013, 4, 1), started=datetime.date(2016, 4, 8), party_org_type="independent",
    ),
    NamedOrg(
        "百灵鸟家庭环保登山俱乐部", "新碶街道", "百合社区", "filed", "culture_sports",
        domains=("environment", "culture"),
        description="每月组织亲子家庭登山，沿途捡拾垃圾、宣传垃圾分类。",
        founded=datetime.date(2012, 3, 1), started=datetime.date(2017, 5, 20),
    ),
    NamedOrg(
        "蒲公英爱心团", "新碶街道", "星阳社区", "filed", "charity", domains=("charity", "children"),
        description="结对困难家庭儿童，开展助学、陪伴和节日慰问。", started=datetime.date(2017, 11, 3),
        party_org_type="instructor",
    ),
    NamedOrg(
        "大港风红娘工作室", "新碶街道", "大港社区", "filed", "life_service", domains=("community",),
        description="为辖区大龄青年和新北仑人牵线搭桥，举办交友联谊活动，倡导婚事新办。",
        started=datetime.date(2018, 8, 16),
    ),
    NamedOrg(
        "朝霞妈妈代表工作室", "梅山街道", "海棠社区", "filed", "mediation", domains=("legal", "children", "community"),
        description="由妇女代表组成，倾听家庭和邻里诉求，化解家庭矛盾，关爱留守儿童。",
        started=datetime.date(2018, 4, 9), party_org_type="joint",
    ),
    NamedOrg(
        "淡江知行社", "大碶街道", "九峰社区", "filed", "culture_sports", domains=("education", "culture"),
        description="青年读书与社会实践社团，开展读书分享、四点半课堂和社区调研。",
        started=datetime.date(2019, 3, 28),
    ),
    NamedOrg(
        "金葵花志愿服务队", "小港街道", "红联社区", "filed", "charity", domains=("elderly", "community"),
        description="红联社区党员志愿者为骨干，为独居老人提供助餐、助洁和代办服务。",
        started=datetime.date(2018, 6, 30), party_org_type="joint",
    ),
)  # fmt: skip

# 百灵鸟公益联盟: lead and the members the source names; more join from 新碶.
BAILINGNIAO = ("百灵鸟公益联盟", "北仑区百灵鸟公益服务中心",
               ("蒲公英爱心团", "大港风红娘工作室", "百灵鸟家庭环保登山俱乐部"), 9)  # fmt: skip
HONGLING = ("红领志愿服务联盟", "红领之家", (), 18)

ALLIANCE_TEXT = {
    "百灵鸟公益联盟": (
        "由北仑区百灵鸟公益服务中心牵头，成员组织共享培训、信息、活动和服务资源。",
        datetime.date(2019, 6, 1),
        [
            (
                "联盟年度公益培训报名",
                "本月下旬举办项目设计与财务管理培训，各成员组织每家可报名两人。",
                "2026-03-12 09:30",
            ),
            (
                "九峰山环保登山活动招募",
                "周六上午九峰山亲子环保登山，沿途捡拾垃圾，欢迎成员组织家庭报名。",
                "2026-05-08 18:00",
            ),
            (
                "蒲公英助学结对进展",
                "本学期新结对困难家庭儿童 26 名，感谢各成员组织的爱心捐助。",
                "2026-09-20 10:00",
            ),
        ],
    ),
    "红领志愿服务联盟": (
        "以红领之家为核心，联合新碶街道 18 家社会组织和单位开展党员志愿服务。",
        datetime.date(2020, 7, 1),
        [
            (
                "七一走访慰问老党员",
                "联盟各成员组织分片走访辖区老党员、困难党员 120 余户。",
                "2026-07-01 16:00",
            ),
            (
                "重阳节助老服务日",
                "重阳节当天在百合社区广场提供义诊、理发、家电维修等服务。",
                "2026-10-29 15:30",
            ),
            ("志愿服务时长统计", "请各成员组织于月底前报送本季度志愿服务时长。", "2026-10-08 09:00"),
        ],
    ),
}

BRANDS = (
    "夕阳红", "向日葵", "银铃", "春晖", "暖阳", "微光", "聚力", "邻里情", "一米阳光", "同心圆", "幸福里",
    "红枫", "海韵", "港湾", "星火", "快乐", "老兵", "银发", "彩虹", "梧桐", "紫藤", "和美", "青春", "康乐",
    "金秋", "晨曦", "爱心", "橄榄枝", "石榴籽", "小蜜蜂", "啄木鸟", "萤火虫", "红帆", "阳光", "知音", "乐龄",
    "阿拉", "甬港", "百姓", "红色", "巾帼", "雏鹰", "绿叶", "书香", "墨韵", "飞扬", "丝路", "海棠花", "兰馨",
)  # fmt: skip

FILED_SUFFIXES = {
    "life_service": (
        "邻里互助队", "便民服务队", "助老服务队", "爱心理发队", "家电维修队", "邻里守望队", "睦邻服务社",
        "平安巡防队", "垃圾分类督导队", "爱心食堂志愿队", "楼道长联谊会", "文明养犬劝导队", "老年协会",
        "护河队", "车棚管理队",
    ),
    "charity": (
        "爱心团", "志愿服务队", "公益社", "助学团", "阳光助残队", "关爱留守儿童小组", "义工队", "爱心妈妈团",
        "学雷锋小组", "红十字志愿队", "慈善工作站",
    ),
    "culture_sports": (
        "舞蹈队", "合唱团", "太极拳队", "书画社", "越剧社", "读书会", "摄影协会", "排舞队", "腰鼓队",
        "乒乓球俱乐部", "门球队", "广场舞队", "旗袍秀队", "模特队", "健身气功站", "棋牌社", "戏曲票友会",
        "篮球队", "骑行队", "诗社", "葫芦丝队", "手工坊",
    ),
    "mediation": (
        "调解工作室", "老娘舅调解室", "和事佬工作室", "法律服务站", "矛盾纠纷调处小组", "心理疏导工作室",
        "物业纠纷调解队", "巾帼调解室", "乡贤议事会",
    ),
}  # fmt: skip

CATEGORY_WEIGHTS = {"life_service": 0.30, "charity": 0.25, "culture_sports": 0.35, "mediation": 0.10}

CATEGORY_DOMAINS = {
    "life_service": ("community", "elderly", "environment", "health"),
    "charity": ("charity", "children", "disability", "elderly", "education"),
    "culture_sports": ("culture", "health", "education"),
    "mediation": ("legal", "community", "veterans"),
}

DESCRIPTIONS = {
    "life_service": "居民自发组建，为社区居民提供{x}等日常便民服务。",
    "charity": "热心居民组成的公益团队，长期开展{x}等志愿服务。",
    "culture_sports": "社区文体爱好者自发组织，定期开展{x}活动，丰富居民业余生活。",
    "mediation": "由退休干部、老党员和法律志愿者组成，开展{x}。",
}
ACTIVITIES = {
    "life_service": ("助老助餐、理发修补", "楼道清洁、车棚整治", "垃圾分类宣传", "邻里互助、代购代办"),
    "charity": ("结对帮扶、爱心捐赠", "助残助困", "青少年课后托管", "节日慰问"),
    "culture_sports": ("排练演出", "健身打卡", "书画展览", "读书分享"),
    "mediation": ("邻里纠纷调解", "家庭矛盾化解", "物业矛盾调处", "法律咨询"),
}

VENUES = (
    "{community}党群服务中心活动室", "{community}文化家园", "{community}居家养老服务中心",
    "{community}邻里中心二楼", "{community}综合服务楼{n}楼", "{stem}小区会所",
)  # fmt: skip

# Registered organizations, by legal form.
GROUP_TOPICS = (
    "书法", "摄影", "美术", "音乐", "舞蹈", "老年书画", "老年体育", "青年志愿者", "义工", "心理卫生",
    "社会工作", "养老服务", "家庭教育", "民间文艺", "收藏", "象棋", "围棋", "钓鱼", "户外运动", "自行车",
    "登山", "武术", "太极拳", "健身气功", "篮球", "足球", "乒乓球", "羽毛球", "游泳", "龙舟", "越剧",
    "曲艺", "家政服务", "电子商务", "物业管理", "见义勇为", "退役军人", "残疾人", "禁毒", "防灾减灾",
)  # fmt: skip
GROUP_SUFFIXES = ("协会", "促进会", "联谊会", "研究会")
SERVICE_KINDS = (
    "社会工作服务中心", "养老服务中心", "居家养老服务中心", "社区服务中心", "青少年发展中心", "康复服务中心",
    "心理咨询服务中心", "文化艺术培训学校", "幼儿园", "公益服务中心", "残疾人之家", "家庭综合服务中心",
    "志愿服务中心", "调解服务中心",
)  # fmt: skip
SERVICE_DOMAINS = {
    "社会工作服务中心": ("community", "charity"), "养老服务中心": ("elderly",), "居家养老服务中心": ("elderly", "health"),
    "社区服务中心": ("community",), "青少年发展中心": ("children", "education"), "康复服务中心": ("health", "disability"),
    "心理咨询服务中心": ("health",), "文化艺术培训学校": ("education", "culture"), "幼儿园": ("education", "children"),
    "公益服务中心": ("charity",), "残疾人之家": ("disability",), "家庭综合服务中心": ("community", "children"),
    "志愿服务中心": ("charity", "community"), "调解服务中心": ("legal",),
}  # fmt: skip
FOUNDATION_KINDS = ("慈善基金会", "教育基金会", "助学基金会")
LEGAL_FORM_WEIGHTS = {"social_group": 0.40, "social_service": 0.55, "foundation": 0.05}

RATING_SCORES = {1: (500, 599), 2: (600, 699), 3: (700, 799), 4: (800, 899), 5: (900, 980)}
RATING_WEIGHTS = {1: 0.05, 2: 0.15, 3: 0.45, 4: 0.27, 5: 0.08}
