"""Reads over the money ledgers: every balance is a sum of ledger rows, never a stored total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gongzhi.areas.models import Area
from gongzhi.projects.choices import IndicatorKind, LifecycleCategory, ProjectStatus
from gongzhi.projects.models import Allocation, Delivery, Disbursement, FundingSource, Indicator, Project

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def ledger_sum(rows: QuerySet) -> Decimal:
    """The sum of ``amount`` over ledger rows, as an exact 2-place Decimal (0 when empty)."""
    total = rows.aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))
    )["total"]
    return Decimal(total).quantize(CENT)


@dataclass(frozen=True)
class SourceBalance:
    amount: Decimal
    allocated: Decimal
    disbursed: Decimal
    remaining: Decimal  # amount − allocated: what can still be allocated


def source_balance(source: FundingSource) -> SourceBalance:
    """A funding source's allocated, disbursed and remaining (unallocated) money."""
    allocated = ledger_sum(Allocation.objects.filter(source=source))
    disbursed = ledger_sum(Disbursement.objects.filter(source=source))
    amount = Decimal(source.amount).quantize(CENT)
    return SourceBalance(
        amount=amount, allocated=allocated, disbursed=disbursed, remaining=amount - allocated
    )


@dataclass(frozen=True)
class LedgerLine:
    source: FundingSource
    allocated: Decimal
    disbursed: Decimal
    remaining: Decimal  # allocated − disbursed: what can still be paid out


def project_source_totals(project: Project, source: FundingSource) -> tuple[Decimal, Decimal]:
    """(allocated, disbursed) of one source on one project."""
    allocated = ledger_sum(Allocation.objects.filter(project=project, source=source))
    disbursed = ledger_sum(Disbursement.objects.filter(project=project, source=source))
    return allocated, disbursed


def project_ledger(project: Project) -> list[LedgerLine]:
    """Per funding source that ever allocated to ``project``: allocated, disbursed, remaining."""
    source_ids = set(Allocation.objects.filter(project=project).values_list("source_id", flat=True))
    source_ids |= set(Disbursement.objects.filter(project=project).values_list("source_id", flat=True))
    lines = []
    for source in FundingSource.objects.filter(pk__in=source_ids).order_by("pk"):
        allocated, disbursed = project_source_totals(project, source)
        lines.append(
            LedgerLine(
                source=source, allocated=allocated, disbursed=disbursed, remaining=allocated - disbursed
            )
        )
    return lines


def project_budget(project: Project) -> Decimal:
    """A project's budget: the sum of its allocations (reversals included)."""
    return ledger_sum(Allocation.objects.filter(project=project))


# ---------------------------------------------------------------------------------------------
# Annotated lists: one query per page, whatever its length


def _sum_of(model, *, outer: str, field: str = "amount"):
    """A correlated subquery summing ``field`` over ``model`` rows of the outer row."""
    rows = (
        model.objects.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def with_balances(sources: QuerySet) -> QuerySet:
    """Funding sources annotated with ``allocated``, ``disbursed`` and ``remaining``."""
    return sources.annotate(
        allocated=_sum_of(Allocation, outer="source"),
        disbursed=_sum_of(Disbursement, outer="source"),
    ).annotate(remaining=F("amount") - F("allocated"))


def with_totals(projects: QuerySet) -> QuerySet:
    """Projects annotated with ``budget``, ``disbursed``, ``unpaid`` (budget − disbursed),
    ``person_times``, ``beneficiaries`` and ``activities`` from their ledgers and deliveries."""
    deliveries = Delivery.objects.filter(project=OuterRef("pk")).order_by().values("project")
    int_sum = lambda field: Coalesce(  # noqa: E731
        Subquery(deliveries.annotate(t=Sum(field)).values("t")), Value(0), output_field=IntegerField()
    )
    return projects.annotate(
        budget=_sum_of(Allocation, outer="project"),
        disbursed=_sum_of(Disbursement, outer="project"),
        person_times=int_sum("person_times"),
        beneficiaries=int_sum("beneficiaries"),
        activities=Coalesce(
            Subquery(deliveries.annotate(t=Count("pk")).values("t")), Value(0), output_field=IntegerField()
        ),
    ).annotate(unpaid=F("budget") - F("disbursed"))


# ---------------------------------------------------------------------------------------------
# Indicators


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    actual: Decimal | None
    ratio: Decimal | None  # actual ÷ target, None when either is missing or the target is 0


def delivery_totals(project: Project) -> dict[str, Any]:
    """People, person-times, activities and mean satisfaction over a project's deliveries."""
    totals = Delivery.objects.filter(project=project).aggregate(
        beneficiaries=Coalesce(Sum("beneficiaries"), Value(0)),
        person_times=Coalesce(Sum("person_times"), Value(0)),
        activities=Count("pk"),
        satisfaction=Avg("satisfaction"),
    )
    if totals["satisfaction"] is not None:
        totals["satisfaction"] = Decimal(totals["satisfaction"]).quantize(CENT)
    return totals


def indicator_progress(project: Project) -> list[IndicatorProgress]:
    """Each target indicator beside the figure achieved: measured from deliveries for people,
    person-times, activities and satisfaction; entered by hand for the others."""
    totals = delivery_totals(project)
    measured = {
        IndicatorKind.BENEFICIARIES: totals["beneficiaries"],
        IndicatorKind.PERSON_TIMES: totals["person_times"],
        IndicatorKind.ACTIVITIES: totals["activities"],
        IndicatorKind.SATISFACTION: totals["satisfaction"],
    }
    progress = []
    for indicator in project.indicators.all():
        actual = measured.get(indicator.kind, indicator.actual)
        actual = None if actual is None else Decimal(actual).quantize(CENT)
        ratio = (
            (actual / indicator.target).quantize(CENT) if actual is not None and indicator.target else None
        )
        progress.append(IndicatorProgress(indicator=indicator, actual=actual, ratio=ratio))
    return progress


# ---------------------------------------------------------------------------------------------
# Life-cycle coverage: the seven categories × the areas one level down


@dataclass
class CoverageCell:
    projects: int = 0
    budget: Decimal = ZERO
    person_times: int = 0


@dataclass
class Coverage:
    """Rows are life-cycle categories, columns the areas directly under ``under`` plus ``under``
    itself (projects aimed at the whole area). ``cells[category][column code]``."""

    under: Area
    year: int | None
    columns: list[Area]
    categories: list[tuple[str, str]]
    cells: dict[str, dict[str, CoverageCell]]
    row_totals: dict[str, CoverageCell]
    column_totals: dict[str, CoverageCell]
    total: CoverageCell

    def gaps(self) -> list[tuple[str, str]]:
        """(category, area code) of the cells with no project: where care is missing."""
        return [
            (category, column.code)
            for category, _label in self.categories
            for column in self.columns
            if column.pk != self.under.pk and self.cells[category][column.code].projects == 0
        ]


COUNTED_STATUSES = tuple(
    s for s in ProjectStatus.values if s not in (ProjectStatus.DRAFT, ProjectStatus.CANCELLED)
)


def coverage(under: Area, *, projects: QuerySet, year: int | None = None) -> Coverage:
    """The coverage matrix of ``projects`` (already scoped to the caller) inside ``under``:
    projects, budget and person-times per category and column. Drafts and cancelled projects
    do not count. Four queries, whatever the number of projects."""
    columns = [*Area.objects.filter(parent=under).order_by("code"), under]
    scope = projects.filter(area__path__prefix=under.path, status__in=COUNTED_STATUSES)
    if year:
        scope = scope.filter(year=year)
    categories = list(LifecycleCategory.choices)
    cells = {c: {col.code: CoverageCell() for col in columns} for c, _label in categories}

    def column_of(path: str) -> str:
        for column in columns[:-1]:
            if path.startswith(column.path):
                return column.code
        return under.code

    for row in scope.values("area__path", "lifecycle_category").annotate(n=Count("pk")):
        cells[row["lifecycle_category"]][column_of(row["area__path"])].projects += row["n"]
    budget_rows = (
        Allocation.objects.filter(project__in=scope.values("pk"))
        .values("project__area__path", "project__lifecycle_category")
        .annotate(total=Sum("amount"))
    )
    for row in budget_rows:
        cell = cells[row["project__lifecycle_category"]][column_of(row["project__area__path"])]
        cell.budget += Decimal(row["total"] or 0).quantize(CENT)
    delivery_rows = (
        Delivery.objects.filter(project__in=scope.values("pk"))
        .values("project__area__path", "project__lifecycle_category")
        .annotate(total=Sum("person_times"))
    )
    for row in delivery_rows:
        cells[row["project__lifecycle_category"]][column_of(row["project__area__path"])].person_times += (
            row["total"] or 0
        )

    def add(into: CoverageCell, cell: CoverageCell) -> None:
        into.projects += cell.projects
        into.budget += cell.budget
        into.person_times += cell.person_times

    row_totals = {c: CoverageCell() for c, _label in categories}
    column_totals = {col.code: CoverageCell() for col in columns}
    total = CoverageCell()
    for category, by_column in cells.items():
        for code, cell in by_column.items():
            add(row_totals[category], cell)
            add(column_totals[code], cell)
            add(total, cell)
    return Coverage(
        under=under,
        year=year,
        columns=columns,
        categories=categories,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
    )
