"""Roles (DOMAIN.md "Who uses it") and the permissions each grants.

A role is held over an area; its permissions apply inside that area's subtree only (see
``gongzhi.core.scoping``). Sensitive data has its own permissions: the full ID number
(``people.view_full_id_number``), the full phone (``people.view_full_phone``), health tags
(``people.view_health_tag``) and community-correction tags (``people.view_correction_tag``,
the justice officer's alone).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_MEMBER = "grid_member", _("网格员")
    ORG_LEADER = "org_leader", _("社会组织负责人")
    VOLUNTEER = "volunteer", _("志愿者")
    JUSTICE_OFFICER = "justice_officer", _("司法所工作人员")
    RESIDENT = "resident", _("居民")
    FINANCE = "finance", _("财务人员")
    EVALUATOR = "evaluator", _("第三方评估人员")
    # Separation of admin duties (MLPS 2.0 level 3): the system administrator manages accounts
    # and settings, the security auditor reads the audit log; neither sees sensitive data.
    SYSADMIN = "sysadmin", _("系统管理员")
    AUDITOR = "auditor", _("安全审计员")


_AREA_READ = {"areas.view_area", "areas.view_gridassignment"}
_PEOPLE_READ = {"people.view_person"}
_PEOPLE_WRITE = {"people.add_person", "people.change_person", "people.add_persontag"}
_STAFFING = {"areas.add_gridassignment", "areas.change_gridassignment"}
_ORG_READ = {"organizations.view_organization"}
_ORG_WRITE = {"organizations.add_organization", "organizations.change_organization"}
_CASE_READ = {"cases.view_case", "cases.view_handlingunit", "cases.view_campaign"}
_CASE_DISPATCH = {"cases.dispatch_case", "cases.add_case", "cases.view_kpis"}
# Public-welfare projects. Reading a project shows its deliveries, milestones and results;
# the money ledgers have their own view permissions.
_PROJECT_READ = {"projects.view_project", "projects.view_programme"}
_MONEY_READ = {"projects.view_fundingsource", "projects.view_allocation", "projects.view_disbursement"}
# Publishers (a party organization or department): programmes, projects, selection, acceptance.
_PROJECT_PUBLISH = {
    "projects.add_programme",
    "projects.add_project",
    "projects.change_project",
    "projects.publish_project",
    "projects.cancel_project",
    "projects.select_project",
    "projects.accept_project",
    "projects.add_award",
    "projects.add_projectcaseworker",
}
# District finance: funding sources, allocations and disbursements.
_PROJECT_MONEY = _MONEY_READ | {
    "projects.add_fundingsource",
    "projects.add_allocation",
    "projects.add_disbursement",
}

# Volunteers: reading the register, activities, records and wishes; running them.
_VOL_READ = {
    "volunteers.view_volunteer",
    "volunteers.view_activity",
    "volunteers.view_servicerecord",
    "volunteers.view_wish",
}
_VOL_MANAGE = {
    "volunteers.add_volunteer",
    "volunteers.change_volunteer",
    "volunteers.add_activity",
    "volunteers.change_activity",
    "volunteers.approve_servicerecord",
    "volunteers.add_wish",
    "volunteers.confirm_wish",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: frozenset(
        _AREA_READ
        | _PEOPLE_READ
        | _PEOPLE_WRITE
        | _STAFFING
        | {
            "areas.add_area",
            "areas.change_area",
            "accounts.view_user",
            "accounts.view_roleassignment",
            "people.view_full_id_number",
            "people.view_full_phone",
            "people.view_health_tag",
        }
        | _CASE_READ
        | _CASE_DISPATCH
        | {
            "cases.supervise_case",
            "cases.add_handlingunit",
            "cases.change_handlingunit",
            "cases.add_campaign",
            "cases.add_open311application",
            "cases.view_open311application",
        }
        | _ORG_READ
        | _ORG_WRITE
        | {
            "organizations.review_filing",
            "organizations.register_organization",
            "organizations.rate_organization",
            "organizations.manage_incubation",
            "organizations.view_filingrule",
            "organizations.change_filingrule",
        }
        | _PROJECT_READ
        | _PROJECT_PUBLISH
        | _PROJECT_MONEY
        | {"projects.evaluate_project", "projects.view_caserecord"}
        | _VOL_READ
        | _VOL_MANAGE
        | {"volunteers.change_volunteerpolicy"}
    ),
    Role.STREET_ADMIN: frozenset(
        _AREA_READ
        | _PEOPLE_READ
        | _PEOPLE_WRITE
        | _STAFFING
        | {"areas.change_area", "people.view_full_id_number", "people.view_full_phone"}
        | _CASE_READ
        | _CASE_DISPATCH
        | {
            "cases.supervise_case",
            "cases.add_handlingunit",
            "cases.change_handlingunit",
            "cases.add_campaign",
        }
        | _ORG_READ
        | _ORG_WRITE
        | {"organizations.review_filing", "organizations.manage_incubation"}
        | _PROJECT_READ
        | _PROJECT_PUBLISH
        | _MONEY_READ
        | _VOL_READ
        | _VOL_MANAGE
    ),
    Role.COMMUNITY_WORKER: frozenset(
        _AREA_READ
        | _PEOPLE_READ
        | _PEOPLE_WRITE
        | _STAFFING
        | {"people.view_full_id_number", "people.view_full_phone", "people.view_health_tag"}
        | _CASE_READ
        | _CASE_DISPATCH
        | {"cases.verify_case"}
        | _ORG_READ
        | _ORG_WRITE
        | {"organizations.manage_incubation"}
        | _PROJECT_READ
        | _VOL_READ
        | _VOL_MANAGE
    ),
    Role.GRID_MEMBER: frozenset(
        _AREA_READ
        | _PEOPLE_READ
        | {"people.add_person"}
        | _CASE_READ
        | {"cases.add_case", "cases.verify_case", "cases.resolve_on_site"}
        | _ORG_READ
        | {"volunteers.view_volunteer", "volunteers.view_activity", "volunteers.view_wish"}
    ),
    # Organization leaders file their organization in the area they are assigned to.
    # They may register their members as people, but not browse the street's residents.
    # Their volunteers, activities and records they see as their own rows (led organizations).
    Role.ORG_LEADER: frozenset(
        _AREA_READ
        | _ORG_READ
        | _ORG_WRITE
        | {"people.add_person", "volunteers.view_activity", "volunteers.view_wish"}
    ),
    # Volunteers and residents report problems and follow their own cases (own rows);
    # volunteers browse the activities and wishes of the area they serve.
    Role.VOLUNTEER: frozenset({"cases.add_case", "volunteers.view_activity", "volunteers.view_wish"}),
    Role.JUSTICE_OFFICER: frozenset(
        _AREA_READ
        | _PEOPLE_READ
        | {
            "people.view_full_id_number",
            "people.view_full_phone",
            "people.view_correction_tag",
            "people.add_persontag",
        }
        | {
            "volunteers.view_correctionassignment",
            "volunteers.add_correctionassignment",
            "volunteers.change_correctionassignment",
            "volunteers.add_supervisionevent",
        }
    ),
    Role.RESIDENT: frozenset({"cases.add_case"}),
    # District finance records disbursements; budgets are allocated by the district admin.
    Role.FINANCE: frozenset(_AREA_READ | _PROJECT_READ | _MONEY_READ | {"projects.add_disbursement"}),
    # A third-party evaluator accepts and scores projects, reading their delivery and money.
    Role.EVALUATOR: frozenset(
        _AREA_READ | _PROJECT_READ | _MONEY_READ | {"projects.accept_project", "projects.evaluate_project"}
    ),
    # Accounts, roles, locks, second factors and API tokens; no residents, no sensitive data,
    # and not the audit log (that is the auditor's).
    Role.SYSADMIN: frozenset(
        _AREA_READ
        | {
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_roleassignment",
            "accounts.add_roleassignment",
            "accounts.change_roleassignment",
            "accounts.delete_roleassignment",
            "accounts.view_apitoken",
            "accounts.delete_apitoken",
            "accounts.unlock_user",
            "accounts.reset_second_factor",
        }
    ),
    # Reads and exports the audit log and runs its tamper check; changes nothing.
    Role.AUDITOR: frozenset(_AREA_READ | {"audit.view_auditevent", "audit.export_auditevent"}),
}

# Roles that may open the Django admin (it is scoped like every other door).
ADMIN_SITE_ROLES = frozenset({Role.DISTRICT_ADMIN})
