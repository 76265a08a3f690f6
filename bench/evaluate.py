"""Answer quality of the matcher against two baselines, in one run.

    python bench/evaluate.py [--knowledge knowledge] [--dev ../shared/knowledge/dev_questions.tsv] [--show-misses]

Sets measured:
- dev: the development question set (in-scope and "-" out-of-scope questions);
- lovo: every variant of every FAQ entry held out in turn (the index rebuilt without it), plus our own
  out-of-scope questions (bench/out_of_scope.tsv). The ranker's weights and thresholds are learned on
  this set (bench/train_ranker.py), never on dev; so here ours is scored with weights trained on the
  other entries' questions (4 folds by entry), which is what a question about an unseen phrasing gets.

Systems:
- ours: bot.core.matcher.Matcher with the shipped ranker weights and thresholds;
- rapidfuzz: plain ``process.extractOne`` (default processor, WRatio) over every question and variant,
  answering above a threshold; shown at its best threshold and at equal risk (the highest-top-1
  threshold whose wrong-answer and out-of-scope rates are no higher than ours);
- bm25: Okapi BM25 (k1=1.5, b=0.75) over lower-cased words, one document per entry (all its questions
  and variants), same two thresholds.
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
from bot.core.matcher import Candidate, Matcher, Thresholds, decide  # noqa: E402
from train_ranker import Scored, cross_validated, held_out, row_for  # noqa: E402
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


# -- held-out variants ---------------------------------------------------------------------------


def lovo_rows(entries: list[FaqEntry], thresholds: Thresholds):
    """For every variant: the ranker's input from ours built without it, and the baselines' scores."""
    return [
        (row_for(Matcher(reduced, thresholds), item), RapidfuzzBaseline(reduced).scored(item.question),
         Bm25Baseline(reduced).scored(item.question))
        for item, reduced in held_out(entries)
    ]


def scored_outcomes(scored: Sequence[Scored], t: Thresholds) -> list[Outcome]:
    out = []
    for s in scored:
        ranked = [Candidate(i, p, "ky") for i, p in s.ranked]
        _, entry_id, suggestions = decide(ranked, t, may_answer=s.may_answer, none=s.none)
        out.append(Outcome(entry_id, tuple(c.entry_id for c in suggestions), ranked[0].entry_id if ranked else None))
    return out


def report(name: str, metrics: Metrics, extra: str = "") -> None:
    print(f"  {name:<28} {metrics.row()}{extra}")


def run_set(title: str, items: list[Labelled], our: list[Outcome], rf, bm) -> None:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--dev", default=str(ROOT.parent / "shared" / "knowledge" / "dev_questions.tsv"))
    parser.add_argument("--oos", default=str(ROOT / "bench" / "out_of_scope.tsv"))
    parser.add_argument("--traps", default=str(ROOT / "bench" / "out_of_scope_traps.tsv"))
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    entries = load_knowledge(args.knowledge)
    thresholds = Thresholds()
    started = time.perf_counter()

    print(f"knowledge: {len(entries)} entries, thresholds: {thresholds}")

    # LOVO + our own out-of-scope questions; ours is scored by ranker weights trained on the other
    # entries' questions (cross-validation), since the shipped weights were trained on these very rows.
    rows = lovo_rows(entries, thresholds)
    oos_items = load_question_set(args.oos)
    full = Matcher(entries, thresholds)
    rf_full, bm_full = RapidfuzzBaseline(entries), Bm25Baseline(entries)
    for item in oos_items:
        rows.append((row_for(full, item), rf_full.scored(item.question), bm_full.scored(item.question)))
    lovo_items = [r[0].item for r in rows]
    scored = cross_validated([r[0] for r in rows], [e.id for e in entries])
    run_set(
        "lovo (held-out FAQ variants + bench/out_of_scope.tsv; ranker cross-validated by entry)",
        lovo_items,
        scored_outcomes(scored, thresholds),
        [r[1] for r in rows],
        [r[2] for r in rows],
    )

    traps = load_question_set(args.traps) if Path(args.traps).exists() else []
    if traps:
        print(f"\ntraps ({Path(args.traps).name}: national institutions in the FAQ's words; reported, not calibrated on)")
        for item in traps:
            r = full.match(item.question)
            shown = f"ANSWERED {r.entry_id} ({r.score:.2f})" if r.status == "answer" else r.status
            print(f"  {shown:<40} {item.question}")

    if Path(args.dev).exists():
        dev = load_question_set(args.dev)
        results = [full.match(i.question) for i in dev]
        ours = [
            Outcome(
                r.entry_id if r.status == "answer" else None,
                tuple(c.entry_id for c in r.suggestions),
                r.candidates[0].entry_id if r.candidates else None,
            )
            for r in results
        ]
        run_set("dev (../shared/knowledge/dev_questions.tsv)", dev, ours,
                [rf_full.scored(i.question) for i in dev], [bm_full.scored(i.question) for i in dev])
        if args.show_misses:
            for item, r in zip(dev, results, strict=True):
                if r.entry_id != item.expected and not (item.expected == OUT_OF_SCOPE and r.status != "answer"):
                    top = ", ".join(f"{c.entry_id} {c.score:.2f}" for c in r.candidates[:3])
                    print(f"    {r.status:<7} expected {item.expected:<26} {item.question!r}  [{top}]")
    else:
        print(f"\n(dev set {args.dev} not found: skipped)")
    print(f"\nelapsed {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
