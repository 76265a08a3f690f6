"""Resident memory of a matcher over many varied, mostly unseen questions: the caches must level off.

    python bench/memory.py [--questions 20000] [--knowledge knowledge] [--seed 5]

Builds the matcher on the real FAQ, then asks it ``--questions`` random questions made from the FAQ's and
our messages' words with typos, invented words (most of them never seen before), Latin spellings, numbers
and one in ten long (about 1,000 characters, the bot's limit). Prints the resident set size (VmRSS) after
the build and every few thousand questions, the peak (VmHWM), and the size of every cache, each against
its bound (docs/matching.md lists them). Linux only (/proc/self/status).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import analysis, kyrgyz, scope, text  # noqa: E402
from bot.core.evaluation import load_question_set  # noqa: E402
from bot.core.knowledge import load_knowledge  # noqa: E402
from bot.core.matcher import Matcher  # noqa: E402

SYLLABLES = ["ка", "ло", "ми", "ру", "те", "зы", "на", "бо", "ше", "чу", "да", "ги", "ор", "ул", "ык", "өз", "үр", "аң"]
LATIN = str.maketrans(dict(zip("абвгдежзийклмнопрстуфхцчшыэюяөүң", ["a", "b", "v", "g", "d", "e", "j", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "y", "e", "yu", "ya", "o", "u", "ng"], strict=True)))


def status(field: str) -> float:
    """A /proc/self/status field in MiB (VmRSS: now, VmHWM: peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + rng.choice("аеиоуы") + word[i:]
    return word[:i] + word[i + 1 :]


def make_question(known: list[str], rng: random.Random) -> str:
    size = rng.randint(120, 170) if rng.random() < 0.1 else rng.randint(2, 25)
    out = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.35:
            out.append(typo(rng.choice(known), rng) if rng.random() < 0.5 else rng.choice(known))
        elif roll < 0.75:
            out.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5))))  # never seen
        elif roll < 0.85:
            out.append(rng.choice(known).translate(LATIN))
        elif roll < 0.92:
            out.append(str(rng.randint(1, 99_999)))
        else:
            out.append(rng.choice(known) + rng.choice(["нын", "га", "дан", "ды", "лар", "бы", "ом", "ами"]))
    question = " ".join(out)[:1000]
    return question + rng.choice(["?", ".", "", "?!", " ?"])


def cache_sizes(matcher: Matcher) -> dict[str, tuple[int, int]]:
    """name → (items, bound)."""
    sizes: dict[str, tuple[int, int]] = {}
    for module, names in ((text, ("transliterate_latin", "_to_cyrillic")), (kyrgyz, ("strip_suffixes",)),
                          (analysis, ("_stem_ru", "_expansion", "_prepared", "_term", "_analyze_cached", "_word_units")),
                          (scope, ("_starting", "word_date_bits"))):
        for name in names:
            info = getattr(module, name).cache_info()
            sizes[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = (info.currsize, info.maxsize)
    for lang in ("ky", "ru"):
        for view, index in (("texts+bag", matcher._indexes[lang]), ("answers", matcher._answer_indexes[lang])):
            sizes[f"index[{lang}].expansions ({view})"] = (len(index._expansions), index._expansions.maxsize)
    for name in ("_entry_terms", "_fuzzy_texts", "_question_terms"):
        cache = getattr(matcher, name)
        sizes[f"matcher.{name}"] = (len(cache), cache.maxsize)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--messages", default=str(ROOT / "bench" / "train_messages.tsv"))
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    entries = load_knowledge(args.knowledge)
    print(f"start: RSS {status('VmRSS'):.1f} MiB")
    matcher = Matcher(entries)
    gc.collect()
    built = status("VmRSS")
    print(f"built ({len(entries)} entries): RSS {built:.1f} MiB")
    known = sorted({w for e in entries for lang in ("ky", "ru") for t in e.texts(lang) for w in text.words(t)})
    if Path(args.messages).exists():
        known += sorted({w for i in load_question_set(args.messages) for w in text.words(i.question)})
    started = time.perf_counter()
    step = max(args.questions // 5, 1)
    for n in range(1, args.questions + 1):
        matcher.match(make_question(known, rng))
        if n % step == 0:
            gc.collect()
            print(f"after {n:>6} questions: RSS {status('VmRSS'):.1f} MiB  ({time.perf_counter() - started:.0f}s)", flush=True)
    gc.collect()
    final = status("VmRSS")
    print(f"final: RSS {final:.1f} MiB (peak {status('VmHWM'):.1f} MiB), growth over the build {final - built:.1f} MiB")
    print("caches (items / bound):")
    for name, (items, bound) in cache_sizes(matcher).items():
        print(f"  {name:<40} {items:>7} / {bound}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
