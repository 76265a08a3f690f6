"""Answer quality of the matcher against two baselines, in one run.

    python bench/evaluate.py [--knowledge knowledge] [--shared ../shared/knowledge] [--show-misses]

Sets measured:
- variants: every variant of every FAQ entry held out in turn (the index rebuilt without it), plus our own
  out-of-scope questions (bench/out_of_scope.tsv);
- messages: our own realistic Telegram messages (bench/train_messages.tsv), in scope and out of scope.
  The ranker's weights and thresholds are learned on these two sets (bench/train_ranker.py), never on the
  dev sets; so here ours is scored with weights trained on the other entries' questions (4 folds by
  entry): cross-validated figures, what a question about an unseen phrasing gets;
- traps: bench/out_of_scope_traps.tsv (national institutions in the FAQ's words), one line each;
- dev questions and dev messages: ../shared/knowledge/dev_questions.tsv and dev_messages.tsv, measured
  only (aggregate figures; their texts are never printed, and of their out-of-scope questions that get
  answered only the answering entry's id is shown).

Systems:
- ours: bot.core.matcher.Matcher with the shipped ranker weights and thresholds (cross-validated weights
  on the sets it was trained on);
- rapidfuzz: plain ``process.extractOne`` (default processor, WRatio) over every question and variant,
  answering above a threshold; shown at its best threshold and at equal risk (the highest-top-1
  threshold whose wrong-answer and out-of-scope rates are no higher than ours);
- bm25: Okapi BM25 (k1=1.5, b=0.75) over lower-cased words, one document per entry (all its questions
  and variants), same two thresholds.

``--show-misses`` lists the misses on our own sets (variants and messages), never on the dev sets.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402

from bot.core.evaluation import OUT_OF_SCOPE, Labelled, Metrics, Outcome, load_question_set, score  # noqa: E402
from bot.core.knowledge import FaqEntry, load_knowledge  # noqa: E402
from bot.core.matcher import Matcher, Thresholds  # noqa: E402
from train_ranker import (  # noqa: E402
    MESSAGE_WEIGHT,
    MESSAGES,
    OOS,
    Scored,
    cross_validated,
    held_out,
    row_for,
)
from bot.core.text import normalize  # noqa: E402

# -- the two baselines ---------------------------------------------------------------------------


class RapidfuzzBaseline:
    def __init__(self, entries: Sequence[FaqEntry]):
        self.choices: list[str] = []
        self.ids: list[str] = []
        for e in entries:
            for lang in ("ky", "ru"):
                for text in e.texts(lang):
                    self.choices.append(text)
                    self.ids.append(e.id)

    def scored(self, question: str) -> tuple[str | None, float, tuple[str, ...]]:
        best = process.extractOne(question, self.choices)  # default scorer WRatio, default processor
        top3 = process.extract(question, self.choices, limit=10)
        offered = tuple(dict.fromkeys(self.ids[i] for _, _, i in top3))[:3]
        if best is None:
            return None, 0.0, ()
        return self.ids[best[2]], best[1], offered


class Bm25Baseline:
    def __init__(self, entries: Sequence[FaqEntry], k1: float = 1.5, b: float = 0.75):
        self.ids = [e.id for e in entries]
        self.docs = [Counter(self._tokens(" ".join(e.texts("ky") + e.texts("ru")))) for e in entries]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(len(self.docs), 1)
        df = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return [w for w in "".join(c if c.isalnum() else " " for c in normalize(text)).split() if len(w) > 1]

    def scored(self, question: str) -> tuple[str | None, float, tuple[str, ...]]:
        q = self._tokens(question)
        scores = []
        for i, doc in enumerate(self.docs):
            s = 0.0
            for t in q:
                f = doc.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg))
            scores.append(s)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        if not order or scores[order[0]] == 0:
            return None, 0.0, ()
        return self.ids[order[0]], scores[order[0]], tuple(self.ids[i] for i in order[:3] if scores[i] > 0)


def threshold_outcomes(scored: list[tuple[str | None, float, tuple[str, ...]]], threshold: float) -> list[Outcome]:
    return [Outcome(top if top and s >= threshold else None, offered, top) for top, s, offered in scored]


def sweep(items: list[Labelled], scored, limit: Metrics | None) -> tuple[float, Metrics, float, Metrics]:
    """(best threshold, its metrics, equal-risk threshold, its metrics)."""
    candidates = sorted({s for _, s, _ in scored} | {0.0, float("inf")})
    results = [(t, score(items, threshold_outcomes(scored, t))) for t in candidates]
    best_t, best_m = max(results, key=lambda r: (r[1].top1, -r[1].wrong, -r[1].oos_answered))
    eligible = [r for r in results if limit is None or (r[1].wrong <= limit.wrong and r[1].oos_answered <= limit.oos_answered)]
    eq_t, eq_m = max(eligible, key=lambda r: (r[1].top1, -r[0]))
    return best_t, best_m, eq_t, eq_m


# -- our sets: held-out variants, out-of-scope questions, messages ------------------------------------


def our_rows(entries: list[FaqEntry], oos_path: Path, messages_path: Path):
    """For every variant (ours built without it) and every question of our two sets (ours built on the whole
    FAQ): the ranker's input, and the two baselines' scores on the same knowledge base."""
    out = [
        (row_for(Matcher(reduced), item), RapidfuzzBaseline(reduced).scored(item.question),
         Bm25Baseline(reduced).scored(item.question))
        for item, reduced in held_out(entries)
    ]
    full = Matcher(entries)
    rf_full, bm_full = RapidfuzzBaseline(entries), Bm25Baseline(entries)
    for path, group, weight in ((oos_path, OOS, 1.0), (messages_path, MESSAGES, MESSAGE_WEIGHT)):
        if path.exists():
            for item in load_question_set(path):
                out.append((row_for(full, item, group, weight), rf_full.scored(item.question), bm_full.scored(item.question)))
    return out


def scored_outcomes(scored: Sequence[Scored], t: Thresholds) -> list[Outcome]:
    out = []
    for s in scored:
        answered, offered = s.outcome(t)
        out.append(Outcome(answered, ((answered,) if answered else ()) + offered, s.ranked[0][0] if s.ranked else None))
    return out


def match_outcomes(matcher: Matcher, items: Sequence[Labelled]) -> tuple[list[Outcome], list]:
    results = [matcher.match(i.question) for i in items]
    outcomes = [
        Outcome(
            r.entry_id if r.status == "answer" else None,
            ((r.entry_id,) if r.status == "answer" else ()) + tuple(c.entry_id for c in r.suggestions),
            r.candidates[0].entry_id if r.candidates else None,
        )
        for r in results
    ]
    return outcomes, results


def report(name: str, metrics: Metrics, extra: str = "") -> None:
    print(f"  {name:<28} {metrics.row()}{extra}")


def run_set(title: str, items: list[Labelled], our: list[Outcome], rf, bm) -> Metrics:
    ours_m = score(items, our)
    print(f"\n{title}")
    report("ours", ours_m)
    for name, scored in (("rapidfuzz extractOne WRatio", rf), ("bm25", bm)):
        best_t, best_m, eq_t, eq_m = sweep(items, scored, ours_m)
        report(f"{name} @best", best_m, f"  threshold {best_t:.2f}")
        report(f"{name} @equal-risk", eq_m, f"  threshold {eq_t:.2f}")
        if name.startswith("rapidfuzz"):
            ratio = ours_m.top1 / eq_m.top1 if eq_m.top1 else float("inf")
            print(f"  {'':<28} ours / rapidfuzz top-1 at equal risk: {ratio:.2f}x")
    return ours_m


def show_misses(items: Sequence[Labelled], outcomes: Sequence[Outcome]) -> None:
    for item, o in zip(items, outcomes, strict=True):
        if o.answered != item.expected and not (item.expected == OUT_OF_SCOPE and o.answered is None):
            shown = f"ANSWERED {o.answered}" if o.answered else f"offered {', '.join(o.offered) or '-'}"
            print(f"    expected {item.expected:<28} {shown:<60} {item.question[:150]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "knowledge"))
    parser.add_argument("--oos", default=str(ROOT / "bench" / "out_of_scope.tsv"))
    parser.add_argument("--messages", default=str(ROOT / "bench" / "train_messages.tsv"))
    parser.add_argument("--traps", default=str(ROOT / "bench" / "out_of_scope_traps.tsv"))
    parser.add_argument("--show-misses", action="store_true", help="list misses on our own sets (never on dev)")
    args = parser.parse_args(argv)

    entries = load_knowledge(args.knowledge)
    thresholds = Thresholds()
    started = time.perf_counter()
    print(f"knowledge: {len(entries)} entries, thresholds: {thresholds}")

    rows = our_rows(entries, Path(args.oos), Path(args.messages))
    scored = cross_validated([r[0] for r in rows], [e.id for e in entries])
    groups = [r[0].group for r in rows]
    for title, wanted in (
        ("variants (held-out FAQ variants + bench/out_of_scope.tsv; ranker cross-validated by entry)", {"variants", OOS}),
        ("messages (bench/train_messages.tsv, our own; ranker cross-validated by entry)", {MESSAGES}),
    ):
        keep = [k for k, g in enumerate(groups) if g in wanted]
        items = [rows[k][0].item for k in keep]
        ours = scored_outcomes([scored[k] for k in keep], thresholds)
        run_set(title, items, ours, [rows[k][1] for k in keep], [rows[k][2] for k in keep])
        if args.show_misses:
            show_misses(items, ours)

    full = Matcher(entries, thresholds)
    traps = load_question_set(args.traps) if Path(args.traps).exists() else []
    if traps:
        answered = 0
        print(f"\ntraps ({Path(args.traps).name}: national institutions in the FAQ's words)")
        for item in traps:
            r = full.match(item.question)
            answered += r.status == "answer"
            shown = f"ANSWERED {r.entry_id} ({r.score:.2f})" if r.status == "answer" else r.status
            print(f"  {shown:<40} {item.question}")
        print(f"  answered: {answered} of {len(traps)}")

    rf_full, bm_full = RapidfuzzBaseline(entries), Bm25Baseline(entries)
    for name in ("dev_questions.tsv", "dev_messages.tsv"):
        path = Path(args.shared) / name
        if not path.exists():
            print(f"\n(dev set {path} not found: skipped)")
            continue
        dev = load_question_set(path)
        ours, results = match_outcomes(full, dev)
        run_set(f"dev {name} (measured only)", dev, ours,
                [rf_full.scored(i.question) for i in dev], [bm_full.scored(i.question) for i in dev])
        by_entry: dict[str, int] = {}
        for item, r in zip(dev, results, strict=True):
            if item.expected == OUT_OF_SCOPE and r.status == "answer":
                by_entry[r.entry_id] = by_entry.get(r.entry_id, 0) + 1
        if by_entry:
            print(f"  {'':<28} out-of-scope answered, by answering entry: "
                  + ", ".join(f"{k} x{v}" for k, v in sorted(by_entry.items())))
    print(f"\nelapsed {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
