"""The facts the demo's public-welfare projects are drawn from (see ``gongzhi.demo.projects``).

From the source: the district spends about 30 million yuan a year through social
organizations, about 20 million of it as government purchase of services; the 微民生·益起来
programme of 20 projects; about 300 service projects across the seven life-cycle categories
(民生七有) reaching about 160,000 person-times; 愈合花园, a case-service project for families
with a member with a mental disorder, which won a national gold prize. Everything else
(donors, titles, amounts, scores) is invented but plausible.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

YEAR = 2026  # the demo's year of projects and funding (data.REFERENCE_DATE falls in it)


@dataclass(frozen=True)
class SourceData:
    """A funding source; ``key`` names it in the plan (the allocations refer to it)."""

    key: str
    kind: str
    name: str
    amount: Decimal
    donor_name: str = ""
    donor_body: str = ""  # 8 characters of the donor's organization code (GB 11714, before its check)
    restriction: str = ""
    receipt_issued: bool = False


SOURCES: tuple[SourceData, ...] = (
    SourceData("gov", "government_purchase", "2026年度政府购买社会组织服务资金", Decimal("20000000.00")),
    SourceData("lottery", "welfare_lottery", "2026年度福彩公益金社区公益项目资金", Decimal("6800000.00")),
    SourceData(
        "port", "corporate_donation", "甬港集装箱“银龄守护”定向捐赠", Decimal("1200000.00"),
        donor_name="宁波甬港集装箱服务有限公司", donor_body="MA2H7K3Q", restriction="elderly",
        receipt_issued=True,
    ),
    SourceData(
        "materials", "corporate_donation", "恒宇新材料“邻里同行”公益捐赠", Decimal("1000000.00"),
        donor_name="宁波北仑恒宇新材料有限公司", donor_body="MA2GX4LN", receipt_issued=True,
    ),
    SourceData(
        "bay", "corporate_donation", "梅山湾文旅“益路同行”公益捐赠", Decimal("1000000.00"),
        donor_name="宁波梅山湾文旅发展有限公司", donor_body="MA2J9R6T", receipt_issued=False,
    ),
)  # fmt: skip

PROGRAMME_NAME = "微民生·益起来"
PROGRAMME_PUBLISHER = "中共北仑区委组织部"
PROGRAMME_CREATED = datetime.date(2026, 3, 2)
PROGRAMME_PER_STREET = 2  # 10 streets × 2 = the programme's 20 projects
PROGRAMME_BUDGET = (250, 600)  # hundreds of yuan: 微 projects of 25,000–60,000

# Projects per street in all (besides the programme's), apportioned by population, plus the
# district-wide ones: about 250 + 30 + 20 = 300.
STREET_PROJECTS = 250
DISTRICT_PROJECTS = 30

# Cells of the coverage matrix left empty on purpose (street name, category): the gaps the
# coverage page is there to show.
GAPS = frozenset(
    {
        ("郭巨街道", "housing"),
        ("梅山街道", "employment"),
        ("戚家山街道", "childcare"),
        ("白峰街道", "housing"),
        ("春晓街道", "education"),
    }
)

CATEGORY_WEIGHTS = {
    "childcare": 0.12,
    "education": 0.13,
    "employment": 0.09,
    "health": 0.14,
    "elderly": 0.26,
    "housing": 0.08,
    "vulnerable": 0.18,
}

CATEGORY_DOMAINS = {
    "childcare": ("children", "education"),
    "education": ("education", "children"),
    "employment": ("community", "charity"),
    "health": ("health",),
    "elderly": ("elderly", "health"),
    "housing": ("community", "environment"),
    "vulnerable": ("disability", "charity"),
}

# The district department that publishes a district-wide project of each category.
DISTRICT_PUBLISHERS = {
    "childcare": "北仑区妇女联合会",
    "education": "北仑区教育局",
    "employment": "北仑区人力资源和社会保障局",
    "health": "北仑区卫生健康局",
    "elderly": "北仑区民政局",
    "housing": "北仑区住房和城乡建设局",
    "vulnerable": "北仑区残疾人联合会",
}

# Title stems per category (a project's title is its area's name + a stem + 项目).
THEMES = {
    "childcare": (
        "四点半课堂", "托育驿站", "亲子阅读营", "科学育儿讲堂", "暑期爱心托管班", "家庭教育指导",
        "儿童友好社区营造", "隔代养育支持", "婴幼儿照护服务", "新手爸妈成长营",
    ),
    "education": (
        "青少年心理护航", "社区学院夜课堂", "留守儿童学业辅导", "非遗传承进社区", "青少年禁毒宣教",
        "老年大学教学点", "港城少年研学", "数字素养课堂", "书香邻里共读", "新居民子女融入",
    ),
    "employment": (
        "灵活就业技能培训", "家门口就业服务站", "新就业形态劳动者关爱", "妈妈岗就业帮扶",
        "退役军人创业指导", "残疾人辅助性就业", "青年见习护航", "电商直播技能培训",
    ),
    "health": (
        "家庭医生签约服务推广", "慢病自我管理小组", "心理健康服务站", "健康生活方式宣教",
        "社区康复驿站", "妇女两癌筛查宣传", "急救技能普及", "中医药健康服务", "营养膳食指导",
    ),
    "elderly": (
        "银龄助餐", "居家养老上门服务", "独居老人关爱探访", "失能老人喘息服务", "智慧助老课堂",
        "老年人防诈骗宣教", "认知症友好社区", "老年助浴服务", "银发互助会", "时间银行互助养老",
        "适老化改造评估",
    ),
    "housing": (
        "老旧小区微更新", "物业矛盾协商议事", "楼道美化共建", "加装电梯协商服务", "新居民安居服务",
        "平安楼道创建", "垃圾分类桶边督导",
    ),
    "vulnerable": (
        "困境儿童关爱", "残疾人康复照料", "低保家庭增能", "精神障碍者社区康复", "孤寡老人结对帮扶",
        "困难家庭微心愿", "特殊家庭心理支持", "困境妇女赋能", "临时救助社工服务",
    ),
}  # fmt: skip

DESCRIPTIONS = {
    "childcare": "面向{area}0–12 岁儿童及其家庭，提供{theme}服务，缓解双职工家庭照护压力。",
    "education": "整合辖区学校、社区和社会组织资源，在{area}开展{theme}活动。",
    "employment": "聚焦{area}就业困难人员和新就业群体，开展{theme}，提升就业能力。",
    "health": "联合社区卫生服务中心，在{area}开展{theme}，提升居民健康素养。",
    "elderly": "面向{area}高龄、独居、失能老人，提供{theme}等专业养老服务。",
    "housing": "以{theme}为抓手，推动{area}居民共商共建共治，改善居住环境。",
    "vulnerable": "为{area}困难群众提供{theme}等个性化帮扶，守住民生底线。",
}

# Statuses of the year's projects (weights): most delivered or under way, a few just
# published or claimed, a few cancelled or still drafts.
STATUS_WEIGHTS = {
    "evaluated": 0.30,
    "accepted": 0.12,
    "completed": 0.12,
    "in_progress": 0.32,
    "claimed": 0.05,
    "published": 0.05,
    "cancelled": 0.02,
    "draft": 0.02,
}
PROGRAMME_STATUS_WEIGHTS = {
    "evaluated": 0.20,
    "accepted": 0.15,
    "completed": 0.20,
    "in_progress": 0.40,
    "claimed": 0.05,
}
COMPETITIVE_SHARE = 0.15  # of projects: applications, and the publisher selects

# Money: the budget of a project (hundreds of yuan), and how it is paid out — a first
# instalment when implementation starts, a second at completion, the rest after evaluation.
BUDGET = {"community": (250, 900), "street": (600, 1800), "district": (800, 2500)}
INSTALMENTS = (Decimal("0.4"), Decimal("0.4"), Decimal("0.2"))
YUAN_PER_PERSON_TIME = (90, 160)  # spending per person-time, for the delivery targets

# (street, category) pairs of the lottery fund: welfare lottery money goes to 扶老、助残、救孤、济困.
LOTTERY_CATEGORIES = ("elderly", "vulnerable", "childcare")

MILESTONES = (
    ("需求调研与项目启动", 0.12),
    ("中期服务与中期自查", 0.55),
    ("总结提炼与成果展示", 0.95),
)

ACCEPTANCE_OPINIONS = (
    "项目按计划完成各项服务，资料齐全，经费使用规范，同意验收。",
    "服务数量和质量达到合同要求，居民反映良好，同意验收。",
    "主要指标全部完成，个别活动记录不够规范，已整改，同意验收。",
)
EVALUATOR_ORG = "北仑区社会组织发展评估中心"
EVALUATION_COMMENTS = {
    "excellent": "目标完成度高，服务专业规范，受益群众满意度高，具有推广价值。",
    "good": "较好完成项目目标，服务成效明显，建议加强过程记录和成效评估。",
    "pass": "基本完成项目目标，服务深度和专业性有待提升。",
    "fail": "指标完成不足，资金使用进度滞后，需限期整改并约谈承接组织。",
}
# Grades of the evaluated projects (weights) and the score range each is drawn from.
GRADE_WEIGHTS = {"excellent": 0.30, "good": 0.45, "pass": 0.20, "fail": 0.05}
GRADE_SCORES = {"excellent": (90, 98), "good": (80, 89), "pass": (62, 79), "fail": (45, 58)}

CANCEL_REASONS = (
    "服务场地改造，项目无法按计划实施",
    "承接组织骨干流失，经协商终止项目",
    "与新纳入的区级项目内容重复，予以取消",
)

DELIVERY_PLACES = ("{area}党群服务中心", "{area}文化家园", "{area}居家养老服务中心", "{area}邻里中心")
DELIVERY_KINDS = ("集中服务", "入户服务", "小组活动", "主题讲座", "志愿服务日", "结对走访")

# 愈合花园: the case-service project for families with a member with a mental disorder.
HEALING_GARDEN = {
    "title": "愈合花园——精神障碍患者家庭支持项目",
    "street": "新碶街道",
    "undertaker": "红领之家",
    "caseworker": "org_leader",
    "category": "vulnerable",
    "budget": Decimal("380000.00"),
    "description": (
        "以园艺疗愈、家属互助和个案管理为主要方法，为精神障碍患者家庭提供“一户一案”个案服务，"
        "在街道范围内开展家属喘息、康复训练和社区融入活动，服务家庭 200 余户。"
    ),
    "starts_on": datetime.date(2026, 2, 16),
    "ends_on": datetime.date(2026, 12, 31),
    "households": 216,  # the families the project reached (an "other" indicator)
    "person_times": 5200,
}
CASE_HOUSEHOLDS = (
    ("陈某某家庭", 3, "患者病情稳定，母亲年迈独自照护，照护压力大，需喘息服务和用药监督。"),
    ("王某某家庭", 4, "患者出院后回归社区，家属缺乏照护知识，邻里关系紧张。"),
    ("李某某家庭", 2, "独居患者，服药依从性差，需定期上门探访和就业能力评估。"),
    ("张某某家庭", 5, "家中两代照护负担重，子女学业受影响，需家庭支持和儿童关爱。"),
    ("刘某某家庭", 3, "患者有康复意愿，希望参加辅助性就业，家属焦虑情绪明显。"),
    ("周某某家庭", 2, "老年夫妻照护成年子女，经济困难，需链接救助资源。"),
)
CASE_NOTES = (
    "入户探访，评估家庭照护状况，与家属共同制定服务计划。",
    "开展家属心理疏导，讲解复发预警信号和应对方法。",
    "陪同患者到社区卫生服务中心复诊，协助办理免费服药。",
    "邀请患者参加园艺疗愈小组，表现积极，情绪稳定。",
    "链接街道救助资源，协助申请临时救助。",
    "电话回访，家属反映照护压力有所缓解。",
)

AWARDS = (
    # (name, level, issuer, awarded_on, project title or "" , organization name or "")
    ("全国志愿服务项目大赛金奖", "national", "全国志愿服务项目大赛组委会", datetime.date(2026, 9, 18),
     HEALING_GARDEN["title"], "红领之家"),
    ("浙江省优秀社会工作服务项目", "provincial", "浙江省民政厅", datetime.date(2026, 6, 20), "", "红领之家"),
)  # fmt: skip
# Evaluated projects graded 优秀 also win district prizes: the first few, in plan order.
DISTRICT_AWARD = ("北仑区十佳公益项目", "district", "北仑区民政局", datetime.date(2026, 10, 28))
DISTRICT_AWARD_COUNT = 5
