"""Every figure of this run that has a target, in one list: met, or MISSED with the figure (bench/results.json)."""
from __future__ import annotations

from typing import Any

Verdict = tuple[str, float, str, bool]   # (name, figure, target as written, met)


def collect(results: dict[str, Any], parts: set[str], scale_count: int | None) -> list[Verdict]:
    """The verdicts of the parts run now (``parts``), from their results."""
    out: list[Verdict] = []
    if "engine" in parts:
        for process, figures in results.items():
            if not isinstance(figures, dict) or "B1_raw" not in figures:
                continue
            for key in ("B2_sqlite", "B2_postgresql"):
                if key in figures:
                    ratio = figures[key]["ratio_to_B1"]
                    out.append((f"{process} {key} / B1", ratio, "<= 3", ratio <= 3))
            if "B4_sqlite" in figures:
                ratio = figures["B4_sqlite"]["ratio"]
                out.append((f"{process} B4 #500 / #5", ratio, "<= 1.3", ratio <= 1.3))
    if "timers" in parts and "timer_lateness" in results:
        timers = results["timer_lateness"]
        p95 = timers["lateness_p95_s"]
        out += [("timer lateness p95 (s)", p95, "<= 5", p95 is not None and p95 <= 5),
                ("timer double firings", timers["double_firings"], "== 0", timers["double_firings"] == 0),
                ("timer crashed workers", timers["crashed_workers"], "== 0", timers["crashed_workers"] == 0)]
    if "cost" in parts and "request_cost" in results:
        for name, verdict in results["request_cost"].get("targets", {}).items():
            out.append((f"cost {name}", verdict["figure"], f"<= {verdict['target']}", verdict["met"]))
    if "scale" in parts and scale_count is not None:
        for name, verdict in results.get("scale", {}).get(str(scale_count), {}).get("targets", {}).items():
            sign = ">=" if name.endswith("_per_s") else "<="
            out.append((f"scale {scale_count} {name}", verdict["figure"], f"{sign} {verdict['target']}",
                        verdict["met"]))
    return out


def report(verdicts: list[Verdict]) -> None:
    missed = [v for v in verdicts if not v[3]]
    print(f"== targets: {len(verdicts) - len(missed)} met, {len(missed)} MISSED")
    for name, figure, target, met in verdicts:
        print(f"   {'met   ' if met else 'MISSED'} {name:44} {figure:10.2f}  (target {target})")
