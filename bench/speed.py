"""Build time, per-question latency (p50, p99) and memory of the matcher, with plain rapidfuzz alongside.

    python bench/speed.py [--sizes real,1000,10000] [--queries 400]

Synthetic knowledge bases are generated from the real FAQ: entry i copies real entry i mod 36 under a new
id, and every text (questions, variants and the answer) gets two words swapped for words of another entry
plus one synthetic rare word, so the vocabulary and the postings grow as they would with more real
entries (the synthetic words are different per entry) and no two entries share a text. Builds are timed
cold: the per-word analysis caches are emptied first, as in a freshly started bot. The questions timed are the dev set and the FAQ's own variants with one typo each,
the same list for both systems (the first 100 of them for the baseline, which is slow at scale). Latency is wall time per question on this machine (2 cores), measured
one question at a time after one warm-up pass.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402

from bot.core.analysis import clear_caches  # noqa: E402
from bot.core.evaluation import load_question_set  # noqa: E402
from bot.core.knowledge import FaqEntry, load_knowledge  # noqa: E402
from bot.core.matcher import Matcher  # noqa: E402

SYLLABLES = ["ка", "ло", "ми", "ру", "те", "зы", "на", "бо", "ше", "чу", "дa", "ги", "ор", "ул", "ык"]


def synthetic_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))


def perturb(text: str, donor_words: list[str], rng: random.Random, rare: str) -> str:
    words = text.split()
    for _ in range(min(2, len(words))):
        words[rng.randrange(len(words))] = rng.choice(donor_words)
    words.insert(rng.randrange(len(words) + 1), rare)
    return " ".join(words)


def synthetic(entries: list[FaqEntry], size: int, seed: int = 7) -> list[FaqEntry]:
    rng = random.Random(seed)
    out = []
    for i in range(size):
        base = entries[i % len(entries)]
        donor = entries[rng.randrange(len(entries))]
        rare = synthetic_word(rng)
        texts = {}
        for lang in ("ky", "ru"):
            donor_words = " ".join(donor.texts(lang)).split()
            texts[lang] = [perturb(t, donor_words, rng, rare) for t in base.texts(lang)]
        answers = {}
        for lang in ("ky", "ru"):
            donor_words = " ".join(donor.texts(lang)).split()
            answers[lang] = perturb(base.answer[lang], donor_words, rng, rare)
        out.append(
            dataclasses.replace(
                base,
                id=f"{base.id}-{i}",
                question={lang: texts[lang][0] for lang in texts},
                variants={lang: tuple(texts[lang][1:]) for lang in texts},
                answer=answers,
            )
        )
    return out


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def questions(entries: list[FaqEntry], dev_path: Path, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    pool = [typo(v, rng) for e in entries for lang in ("ky", "ru") for v in e.variants[lang]]
    if dev_path.exists():
        pool += [i.question for i in load_question_set(dev_path)]
    rng.shuffle(pool)
    return pool[:count]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, items) -> list[float]:
    for item in items[:20]:
        fn(item)  # warm-up: caches, first-call costs
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(name: str, entries: list[FaqEntry], qs: list[str]) -> dict:
    gc.collect()
    clear_caches()
    start = time.perf_counter()
    matcher = Matcher(entries)
    build = time.perf_counter() - start
    # Memory from a second build under tracemalloc (which slows building, so it is not timed).
    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = Matcher(entries)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    choices = [t for e in entries for lang in ("ky", "ru") for t in e.texts(lang)]
    ours = timed(matcher.match, qs)
    # The baseline scans every text per question (about 0.6 s each at 10,000 entries): 100 questions.
    baseline = timed(lambda q: process.extractOne(q, choices), qs[:100])
    return {
        "name": name,
        "entries": len(entries),
        "texts": len(choices),
        "build_s": build,
        "index_mb": current / 2**20,
        "peak_mb": peak / 2**20,
        "p50": statistics.median(ours),
        "p99": percentile(ours, 99),
        "base_p50": statistics.median(baseline),
        "base_p99": percentile(baseline, 99),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "knowledge" / "dev_questions.tsv"))
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args(argv)

    real = load_knowledge(args.knowledge)
    qs = questions(real, Path(args.dev), args.queries)
    rows = []
    for size in args.sizes.split(","):
        entries = real if size == "real" else synthetic(real, int(size))
        rows.append(measure(size, entries, qs))
        r = rows[-1]
        print(
            f"{r['name']:>6}: {r['entries']:>6} entries {r['texts']:>7} texts | build {r['build_s']:.2f}s, "
            f"index {r['index_mb']:.1f} MiB (peak {r['peak_mb']:.1f}) | ours p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms | "
            f"rapidfuzz extractOne p50 {r['base_p50']:.2f} ms p99 {r['base_p99']:.2f} ms | "
            f"p99 ratio ours/baseline {r['p99'] / r['base_p99']:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
