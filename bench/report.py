"""Writing a run's results: ``<date>.json`` (every ratio under its name with its raw figures),
``<date>.md`` (a table of figure ÷ baseline against the goal) and ``<date>.png`` (latency
against data size)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# name → (what is divided by what, goal text, test on the ratio)
GOALS: dict[str, tuple[str, str, Any]] = {
    "r1": ("case reports/s ÷ bare JsonResponse/s", "≥ 0.35", lambda r: r >= 0.35),
    "r2": ("case list page time ÷ .values()+orjson time", "≤ 1.5", lambda r: r <= 1.5),
    "r3": ("overview time ÷ hand SQL time (top area)", "≤ 0.2", lambda r: r <= 0.2),
    "r4": ("sustainable reports/s at p95 < 300 ms ÷ 7/s", "≥ 50", lambda r: r >= 50),
    "sweep": ("sweep time over N cases ÷ over N/10 (same overdue)", "≤ 1.5", lambda r: r <= 1.5),
    "import": ("XLSX import rows/s ÷ openpyxl bare read rows/s", "≥ 0.3", lambda r: r >= 0.3),
    "memory": ("peak RSS of a gunicorn worker (MB) ÷ 200 MB", "≤ 1.0", lambda r: r <= 1.0),
}


def judge(results: dict[str, Any]) -> None:
    """Mark each benchmark's ``goal`` and ``met`` from its ``ratio`` (None: not measured)."""
    for name, (meaning, goal, test) in GOALS.items():
        entry = results.get(name)
        if not isinstance(entry, dict):
            continue
        ratio = entry.get("ratio")
        entry["meaning"] = meaning
        entry["goal"] = goal
        entry["met"] = None if ratio is None else bool(test(ratio))


def _matches(matches: dict) -> str:
    """'all 9 figures equal the hand SQL's', or the ones that differ with both values."""
    differ = {name: value for name, value in matches.items() if value is not True}
    if not differ:
        return f"all {len(matches)} figures equal the hand SQL's"
    shown = ", ".join(
        f"{name} {v.get('overview')} vs {v.get('sql')}" if isinstance(v, dict) else name
        for name, v in differ.items()
    )
    return f"{len(matches) - len(differ)} of {len(matches)} figures equal the hand SQL's; differ: {shown}"


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _raw(name: str, entry: dict[str, Any]) -> str:
    """The figure and its baseline, as the table shows them."""
    f = entry.get("figures", {})
    if name == "r1":
        return (
            f"create {_fmt(f.get('create_rps'))}/s · bare {_fmt(f.get('bare_rps'))}/s · "
            f"raw INSERT {_fmt(f.get('raw_insert_rps'))}/s (÷ raw INSERT = {_fmt(entry.get('ratio_raw_insert'))})"
        )
    if name == "r2":
        return (
            f"list p50 {_fmt(f.get('list_p50_ms'))} ms, {_fmt(f.get('list_rps'))}/s · "
            f"values p50 {_fmt(f.get('values_p50_ms'))} ms, {_fmt(f.get('values_rps'))}/s · "
            f"queries {entry.get('queries', {})} (constant: {entry.get('constant_queries')})"
        )
    if name == "r3":
        return (
            f"overview top {_fmt(f.get('overview_top_ms'))} ms, child {_fmt(f.get('overview_child_ms'))} ms · "
            f"hand SQL top {_fmt(f.get('sql_top_ms'))} ms · top ÷ child = {_fmt(entry.get('scale_ratio'))} "
            f"(goal ≤ 1.2) · {_matches(entry.get('figures_match') or {})}"
        )
    if name == "r4":
        return f"sustainable {_fmt(f.get('sustainable_rps'))}/s (p95 {_fmt(f.get('p95_ms'))} ms) ÷ 7/s"
    if name == "sweep":
        return (
            f"{_fmt(f.get('large_seconds'))} s over {f.get('large_cases')} cases · "
            f"{_fmt(f.get('small_seconds'))} s over {f.get('small_cases')} cases · "
            f"overdue {f.get('large_overdue')}/{f.get('small_overdue')}"
        )
    if name == "import":
        return (
            f"import {_fmt(f.get('import_rows_per_s'))} rows/s · bare read "
            f"{_fmt(f.get('bare_rows_per_s'))} rows/s ({f.get('rows')} rows)"
        )
    if name == "memory":
        return f"peak worker RSS {_fmt(f.get('peak_worker_rss_mb'))} MB over {f.get('samples')} samples"
    return ""


def markdown(results: dict[str, Any], chart_name: str | None) -> str:
    data_set = results.get("data_set", {})  # absent when loading it failed
    lines = [
        f"# Gongzhi benchmarks — {results['date']} ({results['mode']})",
        "",
        f"Machine: {results['machine'].get('summary', '')}. Data set: {data_set.get('source')} "
        f"(scale {results['scale']}): {json.dumps(data_set.get('counts', {}), ensure_ascii=False)}.",
        "",
        f"Settings: {results['settings'].get('summary', '')}",
        "",
        "Each figure is the median of repeated runs and is divided by its baseline measured in the same run.",
        "",
        "| benchmark | ratio | goal | met | figures |",
        "|---|---|---|---|---|",
    ]
    for name in GOALS:
        entry = results.get(name)
        if not isinstance(entry, dict):
            continue
        met = {True: "yes", False: "**no**", None: "not measured"}[entry.get("met")]
        if entry.get("error"):
            met = f"not measured: {entry['error']}"
        lines.append(
            f"| {name}: {entry.get('meaning', '')} | {_fmt(entry.get('ratio'))} | {entry.get('goal', '')} "
            f"| {met} | {_raw(name, entry)} |"
        )
    notes = results.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    if chart_name:
        lines += ["", "## Latency against data size", "", f"![latency against data size]({chart_name})"]
    return "\n".join(lines) + "\n"


def chart(results: dict[str, Any], path: Path) -> bool:
    """Latency of the case list (page of 50) and of the overview against the number of cases in
    the database, from the in-process probes of each database the run used (each point labelled
    with its data set: the sweep's databases hold the tiny data set with N and N/10 cases)."""
    points = sorted(results.get("size_probe", []), key=lambda p: p["cases"])
    if not points:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        groups.setdefault(p.get("label") or "data set", []).append(p)
    for label, group in groups.items():
        xs = [p["cases"] for p in group]
        ax.plot(
            xs, [p["list"]["50"]["ms"] for p in group], marker="o", label=f"case list, page of 50 — {label}"
        )
        if all(p.get("overview") for p in group):
            ax.plot(xs, [p["overview"]["ms"] for p in group], marker="s", label=f"stats overview — {label}")
    xs = [p["cases"] for p in points]
    if len(xs) > 1 and max(xs) / max(min(xs), 1) >= 5:
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cases in the database")
    ax.set_ylabel("median latency, ms (in-process)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(f"Gongzhi latency against data size ({results['date']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _clean(value: Any) -> Any:
    """NaN and infinity (a percentile locust could not compute) as null: JSON has neither."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Judge the ratios and write the JSON, the chart and the Markdown report into ``folder``."""
    judge(results)
    folder.mkdir(parents=True, exist_ok=True)
    stem = results["date"]
    if results.get("mode") == "full" and results.get("scale") not in (None, "district"):
        stem += f"-{results['scale']}"  # a city run beside the same day's district run
    paths = {"json": folder / f"{stem}.json", "md": folder / f"{stem}.md", "png": folder / f"{stem}.png"}
    has_chart = chart(results, paths["png"])
    if not has_chart:
        paths.pop("png")
    paths["json"].write_text(json.dumps(_clean(results), ensure_ascii=False, indent=2, default=str) + "\n")
    paths["md"].write_text(markdown(results, paths["png"].name if has_chart else None))
    return paths
