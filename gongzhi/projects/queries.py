"""Reads over the money ledgers: every balance is a sum of ledger rows, never a stored total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from gongzhi.projects.models import Allocation, Disbursement, FundingSource, Project

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
