"""Build time, per-question latency (p50, p99) and memory of the matcher, against the matcher before this
branch's changes in the same run, with plain rapidfuzz alongside.

    python bench/speed.py [--sizes real,1000,10000] [--queries 400] [--rounds 3] [--baseline 9ae259b^1]

Both matchers run the same questions on the same knowledge bases, each in its own fresh process, round
after round (baseline, ours, baseline, ours, ...); the figures are the medians over the rounds. The
baseline is ``bot/`` of ``--baseline`` (default: the first parent of the merge that brought the 54-entry
FAQ, whose matcher is the one this branch started from), extracted with ``git archive`` into a temporary
directory: it answers the current FAQ exactly as "today" did.

Synthetic knowledge bases are generated from the real FAQ: entry i copies real entry i mod 54 under a new
id, and every text (questions, variants and the answer) gets two words swapped for words of another entry
plus one synthetic rare word, so the vocabulary and the postings grow as they would with more real
entries (the synthetic words are different per entry) and no two entries share a text. Builds are timed
cold: the per-word analysis caches are emptied first, as in a freshly started bot.

Two sets of questions are timed: "questions", the FAQ's own variants with one typo each and the dev
questions (the set the earlier figures used), and "messages", our own and the dev Telegram messages (up to
1,000 characters, the bot's limit). Latency is wall time per question on this machine (2 cores), one
question at a time after a warm-up pass of 20. Plain rapidfuzz ``extractOne`` is timed on the first 100
questions (it is slow at scale).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402

from bot.core.evaluation import load_question_set  # noqa: E402
from bot.core.knowledge import FaqEntry, load_knowledge  # noqa: E402

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


WORKER = r"""
import gc, json, pickle, sys, time, tracemalloc
root, entries_path, questions_path, out_path = sys.argv[1:5]
sys.path.insert(0, root)
from bot.core.analysis import clear_caches
from bot.core.matcher import Matcher
entries = pickle.load(open(entries_path, "rb"))
pools = json.load(open(questions_path, encoding="utf-8"))
gc.collect()
clear_caches()
start = time.perf_counter()
matcher = Matcher(entries)
build = time.perf_counter() - start
del matcher
gc.collect()
tracemalloc.start()
matcher = Matcher(entries)
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
out = {"build_s": build, "index_mb": current / 2**20, "peak_mb": peak / 2**20}
for name, questions in pools.items():
    for question in questions[:20]:
        matcher.match(question)  # warm-up: caches, first-call costs
    times = []
    for question in questions:
        start = time.perf_counter()
        matcher.match(question)
        times.append((time.perf_counter() - start) * 1000)
    out[name] = times
json.dump(out, open(out_path, "w"))
"""


def run_worker(root: Path, entries_path: Path, questions_path: Path, scratch: Path) -> dict:
    out = scratch / "out.json"
    subprocess.run([sys.executable, "-c", WORKER, str(root), str(entries_path), str(questions_path), str(out)],
                   check=True, cwd=scratch)
    return json.loads(out.read_text())


def baseline_tree(ref: str, into: Path) -> Path:
    """``bot/`` of ``ref`` in ``into`` (git archive: no worktree, nothing in the repository changes)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "bot"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def messages(paths: list[Path], count: int, seed: int = 13) -> list[str]:
    pool = [i.question[:1000] for path in paths if path.exists() for i in load_question_set(path)]
    random.Random(seed).shuffle(pool)
    return pool[:count]


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), percentile(times, 99)


def measure(name: str, entries: list[FaqEntry], pools: dict[str, list[str]], trees: dict[str, Path], rounds: int,
            scratch: Path) -> dict:
    entries_path, questions_path = scratch / "entries.pkl", scratch / "questions.json"
    entries_path.write_bytes(pickle.dumps(entries))
    questions_path.write_text(json.dumps(pools, ensure_ascii=False), encoding="utf-8")
    runs: dict[str, list[dict]] = {system: [] for system in trees}
    for _ in range(rounds):
        for system, root in trees.items():
            runs[system].append(run_worker(root, entries_path, questions_path, scratch))
    choices = [t for e in entries for lang in ("ky", "ru") for t in e.texts(lang)]
    first = pools["questions"][:100]
    for question in first[:20]:
        process.extractOne(question, choices)
    base = []
    for question in first:
        start = time.perf_counter()
        process.extractOne(question, choices)
        base.append((time.perf_counter() - start) * 1000)
    result = {"name": name, "entries": len(entries), "texts": len(choices), "rapidfuzz": summary(base)}
    for system, results in runs.items():
        result[system] = {
            "build_s": statistics.median(r["build_s"] for r in results),
            "index_mb": statistics.median(r["index_mb"] for r in results),
            "peak_mb": statistics.median(r["peak_mb"] for r in results),
            **{pool: tuple(statistics.median(summary(r[pool])[k] for r in results) for k in (0, 1)) for pool in pools},
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "knowledge"))
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each matcher per size (medians reported)")
    parser.add_argument("--baseline", default="9ae259b^1", help="git revision of the matcher to compare with")
    args = parser.parse_args(argv)

    real = load_knowledge(args.knowledge)
    shared = Path(args.shared)
    pools = {
        "questions": questions(real, shared / "dev_questions.tsv", args.queries),
        "messages": messages([ROOT / "bench" / "train_messages.tsv", shared / "dev_messages.tsv"], args.queries),
    }
    print(f"questions: {len(pools['questions'])} short, {len(pools['messages'])} messages; baseline {args.baseline}; "
          f"{args.rounds} rounds each (medians)")
    with tempfile.TemporaryDirectory(prefix="ukuk-speed-") as tmp:
        scratch = Path(tmp)
        (scratch / "baseline").mkdir()
        trees = {"today": baseline_tree(args.baseline, scratch / "baseline"), "ours": ROOT}
        for size in args.sizes.split(","):
            entries = real if size == "real" else synthetic(real, int(size))
            rounds = args.rounds if size in ("real", "1000") else 1
            r = measure(size, entries, pools, trees, rounds, scratch)
            today, ours = r["today"], r["ours"]
            print(f"{r['name']:>6}: {r['entries']:>6} entries {r['texts']:>7} texts | build today {today['build_s']:.2f}s "
                  f"ours {ours['build_s']:.2f}s | index today {today['index_mb']:.1f} MiB (peak {today['peak_mb']:.1f}) "
                  f"ours {ours['index_mb']:.1f} MiB (peak {ours['peak_mb']:.1f})")
            for pool in pools:
                (t50, t99), (o50, o99) = today[pool], ours[pool]
                print(f"        {pool:<9} today p50 {t50:.2f} ms p99 {t99:.2f} ms | ours p50 {o50:.2f} ms p99 {o99:.2f} ms"
                      f" | p99 ours/today {o99 / t99:.2f}x  p50 {o50 / t50:.2f}x")
            b50, b99 = r["rapidfuzz"]
            print(f"        rapidfuzz extractOne (first 100 questions) p50 {b50:.2f} ms p99 {b99:.2f} ms | "
                  f"p99 ours/rapidfuzz {ours['questions'][1] / b99:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
