"""The bench-only Django site: the product's settings and URLs plus the baseline endpoints."""
