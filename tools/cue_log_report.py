"""Summarise a --cue-log file: outcomes, overlaps and start latency of spoken cues.

python tools/cue_log_report.py cues.jsonl
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
from collections import Counter
from pathlib import Path


def report(path: Path) -> dict[str, object]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    heard = sorted(
        (r for r in records if r["outcome"] in ("spoken", "cut")), key=lambda r: r["start_s"]
    )
    overlaps = [
        (a["text"], b["text"])
        for a, b in itertools.pairwise(heard)
        if b["start_s"] < a["start_s"] + a["duration_s"] - 0.001
    ]
    latencies = sorted(
        round((r["start_s"] - r["due_s"]) * 1000) for r in records if r["outcome"] == "spoken"
    )
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)] if latencies else None
    return {
        "cues": len(records),
        "outcomes": dict(Counter(r["outcome"] for r in records)),
        "overlaps": overlaps,
        "latency_ms": {
            "median": statistics.median(latencies) if latencies else None,
            "p95": p95,
            "max": latencies[-1] if latencies else None,
        },
        "dropped": [r["text"] for r in records if r["outcome"] == "dropped"],
    }


if __name__ == "__main__":
    print(json.dumps(report(Path(sys.argv[1])), indent=2, ensure_ascii=False))
