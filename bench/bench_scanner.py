"""Read rate, wrong codes and speed of the barcode decoders on degraded frames (run by hand).

Usage::

    python bench/bench_scanner.py [--frames N] [--seed S] [--repeat R] [--budget-ms MS]
                                  [--decoders pyzbar,zxing,auto] [--no-pin]

Decodes the corpus of ``bench/scanner_corpus.py`` (default 868 frames of 640x480, 62 of each
degradation tag, 62 of them empty) with each decoder of ``tui_orders.scanner.decode``, on one core:
``cv2.setNumThreads(1)``, the process pinned to one CPU (``--no-pin`` to leave it), one thread.
Every frame is decoded ``--repeat`` times (default 3): its time is the fastest run (which takes
out most of the noise of a shared machine), its reads those of the first run (``auto``'s reads
depend a little on time: its budget), and a wrong code in any run counts.

It prints, per degradation tag and decoder, the read rate and median ms; then per decoder: codes
read, wrong codes per frame (a code other than the one drawn, check digit valid), wrong codes
that survive the capture loop's two-frame confirmation of 1D codes (the same wrong code read in
the next frame: the frame moved by up to 1.5 px with fresh sensor noise), median, p95 and mean ms
per frame, ms on empty frames, frames/s; and the union: codes read by pyzbar or zxing alone,
``auto``'s share of it (goal >= 97%), and the codes that neither reads alone but ``auto`` does.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scanner_corpus import DEFAULT_FRAMES, Corpus, make_corpus

from tui_orders.scanner.decode import AutoDecoder, Decoder, make_decoder
from tui_orders.scanner.synth import next_frame
from tui_orders.scanner.types import ONE_D, Symbol


@dataclass
class Run:
    """One decoder over the corpus: per frame, the fastest time, the first run's reads, and the
    wrong codes of all runs."""

    name: str
    ms: list[float] = field(default_factory=list)
    reads: list[list[Symbol]] = field(default_factory=list)
    wrong: list[list[Symbol]] = field(default_factory=list)
    confirmed_wrong: int = 0
    stats: dict[str, int] = field(default_factory=dict)


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:5.1f}%" if whole else "   n/a"


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def run_decoder(decoder: Decoder, corpus: Corpus, repeat: int, seed: int) -> Run:
    run = Run(decoder.name)
    for frame, _, _ in corpus[:10]:  # warm-up: imports, first allocations
        decoder.decode(frame)
    if isinstance(decoder, AutoDecoder):
        decoder.stats.clear()
    times: list[float] = [float("inf")] * len(corpus)
    wrong_any: list[set[Symbol]] = [set() for _ in corpus]
    for r in range(repeat):
        for i, (frame, expected, _) in enumerate(corpus):
            start = time.perf_counter()
            found = decoder.decode(frame)
            times[i] = min(times[i], (time.perf_counter() - start) * 1000.0)
            if r == 0:
                run.reads.append(found)
            wrong_any[i].update(s for s in found if s != expected)
    run.ms = times
    run.wrong = [sorted(w, key=str) for w in wrong_any]
    if isinstance(decoder, AutoDecoder):
        run.stats = dict(decoder.stats)
    # The capture loop reports a 1D code only when two consecutive frames read it.
    for i, (frame, _, _) in enumerate(corpus):
        wrong = run.wrong[i]
        if not wrong:
            continue
        again = decoder.decode(next_frame(frame, random.Random(f"next:{seed}:{i}")))
        run.confirmed_wrong += sum(1 for s in wrong if s.symbology not in ONE_D or s in again)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget-ms", type=float, default=None, help="auto's time budget")
    parser.add_argument("--decoders", default="pyzbar,zxing,auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    args = parser.parse_args()

    cv2.setNumThreads(1)
    pinned = "not pinned"
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        pinned = f"pinned to CPU {cpu}"
    print(
        f"# bench_scanner: {args.frames} frames 640x480, seed {args.seed}, "
        f"best of {args.repeat}, {pinned}, cv2 threads {cv2.getNumThreads()}; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"OpenCV {cv2.__version__}"
    )
    start = time.perf_counter()
    corpus = make_corpus(args.frames, args.seed)
    print(f"# corpus generated in {time.perf_counter() - start:.1f} s")

    runs: dict[str, Run] = {}
    for name in args.decoders.split(","):
        decoder = make_decoder(name)
        if isinstance(decoder, AutoDecoder) and args.budget_ms is not None:
            decoder.budget_ms = args.budget_ms
        runs[name] = run_decoder(decoder, corpus, args.repeat, args.seed)

    tags: dict[str, list[int]] = {}
    for i, (_, _, tag) in enumerate(corpus):
        tags.setdefault(tag, []).append(i)

    def ok(name: str, i: int) -> bool:
        expected = corpus[i][1]
        return expected is not None and expected in runs[name].reads[i]

    single = [n for n in ("pyzbar", "zxing") if n in runs]
    union = {i for i in range(len(corpus)) for n in single if ok(n, i)}
    has_auto = "auto" in runs and len(single) == 2

    # Per tag.
    header = f"{'tag':<12} {'n':>3}"
    for name in runs:
        header += f" | {name + ' read':>11} {'med ms':>6}"
    if has_auto:
        header += f" | {'union':>5} {'auto/union':>10} {'auto only':>9}"
    print()
    print(header)
    print("-" * len(header))
    for tag, idx in tags.items():
        coded = [i for i in idx if corpus[i][1] is not None]
        line = f"{tag:<12} {len(idx):>3}"
        for name, run in runs.items():
            read = sum(ok(name, i) for i in coded)
            rate = pct(read, len(coded)) if coded else "     -"
            line += f" | {rate:>11} {statistics.median(run.ms[i] for i in idx):>6.1f}"
        if has_auto:
            in_union = [i for i in coded if i in union]
            auto_in = sum(ok("auto", i) for i in in_union)
            extra = sum(ok("auto", i) for i in coded if i not in union)
            share = pct(auto_in, len(in_union)) if in_union else "     -"
            line += f" | {len(in_union):>5} {share:>10} {extra:>9}"
        print(line)

    # Per decoder.
    coded_all = [i for i in range(len(corpus)) if corpus[i][1] is not None]
    empty = [i for i in range(len(corpus)) if corpus[i][1] is None]
    print()
    header = (
        f"{'decoder':<8} {'read':>10} {'wrong/frame':>11} {'wrong 2-frame':>13} {'med ms':>6} "
        f"{'p95 ms':>6} {'mean ms':>7} {'empty med':>9} {'empty p95':>9} {'frames/s':>8} "
        f"{'empty f/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, run in runs.items():
        read = sum(ok(name, i) for i in coded_all)
        wrong = sum(len(w) for w in run.wrong)
        mean = statistics.fmean(run.ms)
        empty_ms = [run.ms[i] for i in empty]
        print(
            f"{name:<8} {read:>4} {pct(read, len(coded_all))} {wrong:>11} "
            f"{run.confirmed_wrong:>13} {statistics.median(run.ms):>6.1f} "
            f"{quantile(run.ms, 0.95):>6.1f} {mean:>7.1f} {statistics.median(empty_ms):>9.1f} "
            f"{quantile(empty_ms, 0.95):>9.1f} {1000.0 / mean:>8.0f} "
            f"{1000.0 / statistics.fmean(empty_ms):>9.0f}"
        )

    if has_auto:
        print()
        print(f"union of pyzbar and zxing alone: {len(union)} codes")
        for name in (*single, "auto"):
            print(f"  {name:<7} {pct(sum(ok(name, i) for i in union), len(union))} of the union")
        missed = [i for i in union if not ok("auto", i)]
        rescued = [i for i in coded_all if i not in union and ok("auto", i)]
        print(
            f"  auto misses {len(missed)} of the union: {', '.join(corpus[i][2] for i in missed)}"
        )
        by_tag: dict[str, int] = {}
        for i in rescued:
            by_tag[corpus[i][2]] = by_tag.get(corpus[i][2], 0) + 1
        kinds = ", ".join(f"{tag} {n}" for tag, n in by_tag.items())
        print(f"codes neither reads alone but auto reads: {len(rescued)} ({kinds})")
        print(f"auto: the step that read each frame: {runs['auto'].stats}")
    for name, run in runs.items():
        for i in range(len(corpus)):
            for s in run.wrong[i]:
                print(f"wrong: {name} frame {i} ({corpus[i][2]}): {s} for {corpus[i][1]}")


if __name__ == "__main__":
    main()
