#!/usr/bin/env python3
"""Markdown tables (one per group) from burrow-bench's JSON lines, for bench/RESULTS.md.

    python3 bench/burrow-bench/results-table.py < build-bench/results-latest.jsonl
"""
import json
import sys


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


groups = {}
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    row = json.loads(line)
    groups.setdefault(row["group"], []).append(row)

for title, rows in groups.items():
    loads = rows[0].get("load_avg") or [None, None]
    print(f"#### {title}\n")
    print(f"Load average {fmt(loads[0], 1)} → {fmt(loads[1], 1)}.\n")
    print("| scenario | metric | value (best of runs) | runs | baseline | baseline value | ratio | target | met | cpu_ratio | CPU µs/op client / server | run-queue wait |")
    print("|---|---|---:|---|---|---:|---:|---:|:-:|---:|---:|---:|")
    for r in rows:
        runs = ", ".join(fmt(v) for v in r.get("runs", []))
        base = r.get("baseline")
        met = "" if base is None else ("yes" if r.get("meets_target") else "**no**")
        extra = ""
        for key in sorted(r):
            if not key.startswith("ratio_vs_") or key.endswith("_target") or r[key] is None:
                continue
            extra += f" ({key.replace('ratio_', '')}: {r[key]:.2f}"
            if r.get(key + "_target") is not None:
                met2 = "yes" if r.get(key + "_meets_target") else "**no**"
                extra += f", target ≥ {r[key + '_target']:.2f}: {met2}"
            extra += ")"
        cpu = f"{fmt(r.get('client_cpu_us_per_op'), 2)} / {fmt(r.get('server_cpu_us_per_op'), 2)}"
        print(f"| {r['scenario']} | {r['metric']} | {fmt(r['value'])} | {runs} | {base or '—'} | "
              f"{fmt(r.get('baseline_value'))} | {fmt(r.get('ratio'), 3)}{extra} | "
              f"{'' if r.get('target') is None else '≥ ' + fmt(r['target'], 2)} | {met} | "
              f"{fmt(r.get('cpu_ratio'), 3)} | {cpu} | {fmt(r.get('runqueue_wait_share'), 2)} |")
    print()
