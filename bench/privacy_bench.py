"""Benchmark of the personal-data screen on the labelled corpus: quality, latency, memory.

Run: python -m bench.privacy_bench  (prints one table for the tuning set, one for held-out)
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.intervals import wilson
from bench.privacy_sets import load_sets
from privacy.model import Author, FindingType, StaffMember, Vocabulary
from privacy.screen import Screener

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "privacy"


def load_profile(path: Path = DATA / "northdown.json") -> tuple[list[StaffMember], Vocabulary]:
    """The fictional directory and vocabulary the corpus was written against."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    staff = [
        StaffMember(s["name"], s.get("email"), tuple(s.get("phones", ())), s.get("role"))
        for s in raw["directory"]
    ]
    voc = {k: tuple(v) for k, v in raw["vocabulary"].items()}
    return staff, Vocabulary(**voc)


def load_corpus(name: str) -> list[dict[str, Any]]:
    """One labelled corpus file (tuning.jsonl or heldout.jsonl)."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Metrics:
    """Quality and speed of one run over one corpus."""

    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kept: int = 0
    keep_total: int = 0
    clean_pass: int = 0
    clean_total: int = 0
    perfect: int = 0
    messages: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of family items whose span was fully covered."""
        return sum(self.found.values()) / max(1, sum(self.total.values()))

    @property
    def keep_rate(self) -> float:
        """Share of must-keep spans left untouched."""
        return self.kept / max(1, self.keep_total)

    @property
    def clean_rate(self) -> float:
        """Share of messages without family data returned byte-identical."""
        return self.clean_pass / max(1, self.clean_total)


def covered(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Every letter and digit of the item lies inside some finding (the union counts)."""
    return all(any(s <= i < e for s, e in spans) for i in range(start, end) if text[i].isalnum())


def evaluate(screener: Screener, rows: list[dict[str, Any]]) -> Metrics:
    """Screen every message and score it against its labels."""
    m = Metrics()
    for row in rows:
        author = Author(row["author"]["name"], row["author"].get("email"))
        t0 = time.perf_counter()
        result = screener.screen(row["text"], author)
        m.latencies_ms.append((time.perf_counter() - t0) * 1000)
        spans = [(f.start, f.end) for f in result.findings]
        ok = True
        for item in row["family"]:
            m.total[item["type"]] += 1
            if covered(row["text"], item["start"], item["end"], spans):
                m.found[item["type"]] += 1
            else:
                ok = False
                m.misses.append(f"{row['id']} miss {item['type']}")
        for item in row["keep"]:
            m.keep_total += 1
            if any(s < item["end"] and item["start"] < e for s, e in spans):
                ok = False
                m.misses.append(f"{row['id']} broke keep")
            else:
                m.kept += 1
        if not row["family"]:
            m.clean_total += 1
            m.clean_pass += result.redacted == row["text"]
            ok = ok and result.redacted == row["text"]
        m.messages += 1
        m.perfect += ok
    return m


def _rate(label: str, hits: int, total: int) -> str:
    low, high = wilson(hits, total)
    rate = hits / total if total else 0.0
    return f"{label:<22}{hits:>7}{total:>7}{rate:>8.3f}   [{low:.3f}, {high:.3f}]"


def table(title: str, m: Metrics) -> str:
    """A plain-text table of the metrics, each rate with its 95 % Wilson interval."""
    lat = sorted(m.latencies_ms)
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0
    lines = [
        f"## {title} ({m.messages} messages, {m.clean_total} without family data)",
        f"{'type':<22}{'found':>7}{'total':>7}{'rate':>8}   95 % interval (Wilson)",
    ]
    for kind in FindingType:
        if m.total.get(kind.value):
            lines.append(_rate(kind.value, m.found[kind.value], m.total[kind.value]))
    lines += [
        _rate("ALL family items", sum(m.found.values()), sum(m.total.values())),
        _rate("must-keep kept", m.kept, m.keep_total),
        _rate("clean byte-identical", m.clean_pass, m.clean_total),
        _rate("message-perfect", m.perfect, m.messages),
        f"latency ms: p50 {statistics.median(lat) if lat else 0:.3f}  p95 {p95:.3f}"
        f"  max {max(lat) if lat else 0:.3f}",
    ]
    return "\n".join(lines)


def _worst_case(screener: Screener) -> float:
    """Slowest screen of long repetitive inputs that make careless regexes backtrack."""
    author = Author("Priya Shah", "priya.shah@northdown.gov.uk")
    worst = 0.0
    for unit in ("A-", "a.", "A'", "1 ", "Aa ", "07700 ", "Flat 1, ", "Mr A the ", "@"):
        text = (unit * (10_000 // len(unit)))[:10_000]
        t0 = time.perf_counter()
        screener.screen(text, author)
        worst = max(worst, (time.perf_counter() - t0) * 1000)
    return worst


def main(argv: list[str]) -> int:
    """Build the screener, screen both sets, print tables, build time and peak RSS."""
    staff, voc = load_profile()
    t0 = time.perf_counter()
    screener = Screener(staff, voc)
    build = time.perf_counter() - t0
    sets = (
        ("Tuning set", "tuning.jsonl"),
        ("Held-out set", "heldout.jsonl"),
        ("Blind set (hand-written last, never used to change the screen)", "blind.jsonl"),
    )
    for title, name in sets:
        rows = load_corpus(name)
        evaluate(screener, rows)  # warm-up pass so p95 is steady-state
        m = evaluate(screener, rows)
        print(table(title, m) + "\n")
        if "--misses" in argv and (title.startswith("Tuning") or "--heldout-misses" in argv):
            print("\n".join(m.misses))
    # Independent writers' sets, each screened with its own council's directory as production
    # would load it; the frozen one is the blind set.
    for evaluation in load_sets():
        set_staff, set_voc = load_profile(evaluation.directory)
        set_screener = Screener(set_staff, set_voc)
        evaluate(set_screener, evaluation.rows)
        m = evaluate(set_screener, evaluation.rows)
        kind = "frozen blind set, reported once per change" if evaluation.frozen else "writer set"
        print(table(f"{evaluation.name} ({kind})", m) + "\n")
        if "--misses" in argv and not evaluation.frozen:
            print("\n".join(m.misses))
    worst = _worst_case(screener)
    print(f"pathological 10,000-character inputs: slowest {worst:.0f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"screener build: {build * 1000:.0f} ms; peak RSS of this process: {rss:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
