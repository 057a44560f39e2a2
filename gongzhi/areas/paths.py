"""Materialized paths for the area tree.

Each area stores ``path`` = its ancestors' codes and its own, e.g. ``/330206/330206001/``.
A subtree ("everything in 新碶街道") is then one prefix match on an indexed column — no
recursion in Python, no recursive CTE — and it composes with any other filter or join
(cases in a street, people in a community). We chose this over a closure table or treebeard
because areas are few, rarely move, and are read on every request.

The ``prefix`` lookup is written per backend so that the index is really used:
- PostgreSQL: ``LIKE 'p%'`` against a ``varchar_pattern_ops`` index (collation-independent);
- SQLite: ``GLOB 'p*'``, which is case-sensitive and so can use the ordinary BINARY index
  (Django's ``startswith`` emits ``LIKE … ESCAPE``, which SQLite cannot serve from an index).
Area codes are restricted to letters, digits and ``-`` so no wildcard can appear in a path.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


class PathField(models.CharField):
    """A materialized path; supports the indexed ``prefix`` lookup."""


@PathField.register_lookup
class PathPrefix(Lookup):
    lookup_name = "prefix"
    prepare_rhs = False

    def _sql(self, compiler, connection, operator: str, wildcard: str, sql_wildcard: str):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if hasattr(self.rhs, "resolve_expression"):
            # A correlated prefix (OuterRef("path")): append the wildcard in SQL.
            return f"{lhs} {operator} ({rhs} || '{sql_wildcard}')", [*lhs_params, *rhs_params]
        params = [*lhs_params, *[f"{p}{wildcard}" for p in rhs_params]]
        return f"{lhs} {operator} {rhs}", params

    def as_sql(self, compiler, connection):
        # '%' inside SQL text is doubled for psycopg's parameter style.
        return self._sql(compiler, connection, "LIKE", "%", "%%")

    def as_sqlite(self, compiler, connection):
        return self._sql(compiler, connection, "GLOB", "*", "*")
