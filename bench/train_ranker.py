"""Learn the ranker's weights (bot/core/ranker.py) and its two probability thresholds; write them to
bot/core/ranker_weights.py.

    python bench/train_ranker.py [--knowledge knowledge] [--oos bench/out_of_scope.tsv] [--check]

Training data, never the development questions:
- every variant of every FAQ entry, held out in turn: the matcher is rebuilt without it and asked it, so
  the features are those of a question the knowledge base has not seen (label: its entry);
- our own out-of-scope questions, bench/out_of_scope.tsv (label: none of them), weighted 5x because there
  are few of them and a wrong answer to them is what a legal bot must avoid.

The model is a conditional logit over the candidates plus a "none" option, fitted by full-batch Adam for a
fixed number of steps from zero (deterministic). The thresholds are chosen on cross-validated
probabilities (four folds by entry: weights trained on the other entries' questions), so they are not
fitted to the same data as the weights: the answer threshold is the lowest with at most 3 % wrong
answers and at most 2 % answered out-of-scope questions; the suggestion floor is the highest that loses no more
than half a point of "reachable", together with the limit on the probability of "none of them" above
which nothing is suggested (chosen to offer the fewest out-of-scope questions anything).

``--check`` trains and reports without writing (the weights written are the ones the bot ships).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.evaluation import OUT_OF_SCOPE, Labelled, load_question_set  # noqa: E402
from bot.core.knowledge import FaqEntry, load_knowledge  # noqa: E402
from bot.core.matcher import Matcher, Thresholds  # noqa: E402
from bot.core.ranker import ENTRY_FEATURES, QUERY_FEATURES, Ranker  # noqa: E402

MAX_WRONG = 0.03
MAX_OOS_ANSWERED = 0.02  # at most one in fifty of our own out-of-scope questions (the issue allows 0.05)
OOS_WEIGHT = 5.0
FOLDS = 4


@dataclass
class Row:
    item: Labelled
    ids: tuple[str, ...]  # candidate entry ids, in the matcher's order
    features: np.ndarray  # (len(ids), len(ENTRY_FEATURES))
    query: np.ndarray  # (len(QUERY_FEATURES),)
    may_answer: bool = True  # False for one word several entries share (the matcher only suggests then)

    @property
    def label(self) -> int:
        """Index of the expected entry among the candidates; -1 for none (or not among them)."""
        return self.ids.index(self.item.expected) if self.item.expected in self.ids else -1


def row_for(matcher: Matcher, item: Labelled) -> Row:
    found = matcher.question_evidence(item.question)
    if found is None:
        return Row(item, (), np.zeros((0, len(ENTRY_FEATURES))), np.zeros(len(QUERY_FEATURES)))
    return Row(item, tuple(matcher.entries[i].id for i in found.entries), found.features, found.query,
               not found.one_shared_word)


def without_variant(entries: list[FaqEntry], idx: int, lang: str, j: int) -> list[FaqEntry]:
    e = entries[idx]
    variants = dict(e.variants)
    variants[lang] = tuple(v for k, v in enumerate(e.variants[lang]) if k != j)
    return [*entries[:idx], dataclasses.replace(e, variants=variants), *entries[idx + 1 :]]


def held_out(entries: list[FaqEntry]) -> Iterator[tuple[Labelled, list[FaqEntry]]]:
    """Every FAQ variant as a labelled question, with the knowledge base that lacks it."""
    for idx, e in enumerate(entries):
        for lang in ("ky", "ru"):
            for j, variant in enumerate(e.variants[lang]):
                yield Labelled(e.id, variant), without_variant(entries, idx, lang, j)


def held_out_rows(entries: list[FaqEntry], thresholds: Thresholds | None = None) -> list[Row]:
    """One row per FAQ variant, each asked of a matcher built without it."""
    return [row_for(Matcher(reduced, thresholds), item) for item, reduced in held_out(entries)]


def _padded(rows: Sequence[Row], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(rows)
    features = np.zeros((n, k, len(ENTRY_FEATURES)))
    mask = np.zeros((n, k), dtype=bool)
    query = np.zeros((n, len(QUERY_FEATURES)))
    labels = np.full(n, k)  # k = the "none" column
    for r, row in enumerate(rows):
        m = len(row.ids)
        features[r, :m] = row.features
        mask[r, :m] = True
        query[r] = row.query
        if row.label >= 0:
            labels[r] = row.label
    return features, mask, query, labels


def train(rows: Sequence[Row], steps: int = 2000, l2: float = 1e-3, rate: float = 0.05) -> Ranker:
    """Fit the conditional logit. In-scope rows whose entry is not among the candidates are left out:
    no weight can rank an absent entry first, and labelling them "none" would teach the wrong thing."""
    usable = [r for r in rows if r.ids and (r.label >= 0 or r.item.expected == OUT_OF_SCOPE)]
    k = max(len(r.ids) for r in usable)
    features, mask, query, labels = _padded(usable, k)
    weight = np.array([OOS_WEIGHT if r.item.expected == OUT_OF_SCOPE else 1.0 for r in usable])
    weight /= weight.sum()
    n_e, n_q = len(ENTRY_FEATURES), len(QUERY_FEATURES)
    params = np.zeros(n_e + n_q)
    moment, second = np.zeros_like(params), np.zeros_like(params)
    rows_idx = np.arange(len(usable))
    for step in range(1, steps + 1):
        logits = np.concatenate([np.where(mask, features @ params[:n_e], -np.inf), (query @ params[n_e:])[:, None]], 1)
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        residual = p
        residual[rows_idx, labels] -= 1
        residual *= weight[:, None]
        gradient = np.concatenate([
            np.einsum("nk,nkf->f", residual[:, :k], features),
            residual[:, k] @ query,
        ]) + l2 * params
        moment = 0.9 * moment + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        corrected = moment / (1 - 0.9**step), second / (1 - 0.999**step)
        params -= rate * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
    return Ranker(params[:n_e].copy(), params[n_e:].copy())


def fold_of(item: Labelled, position: int, entry_ids: Sequence[str]) -> int:
    if item.expected == OUT_OF_SCOPE:
        return position % FOLDS
    return entry_ids.index(item.expected) % FOLDS


@dataclass(frozen=True)
class Scored:
    """A row's candidates with probabilities, best first."""

    item: Labelled
    ranked: tuple[tuple[str, float], ...]
    may_answer: bool = True
    none: float = 1.0  # the probability of "none of them"


def score_rows(ranker: Ranker, rows: Sequence[Row]) -> list[Scored]:
    out = []
    for row in rows:
        if not row.ids:
            out.append(Scored(row.item, (), row.may_answer))
            continue
        p, none = ranker.probabilities(row.features, row.query)
        order = sorted(range(len(row.ids)), key=lambda i: (-p[i], row.ids[i]))
        out.append(Scored(row.item, tuple((row.ids[i], float(p[i])) for i in order), row.may_answer, none))
    return out


def cross_validated(rows: Sequence[Row], entry_ids: Sequence[str]) -> list[Scored]:
    """Every row scored by weights trained on the other folds' rows (folds by entry)."""
    folds = [fold_of(r.item, i, entry_ids) for i, r in enumerate(rows)]
    scored: list[Scored | None] = [None] * len(rows)
    for k in range(FOLDS):
        ranker = train([r for r, f in zip(rows, folds, strict=True) if f != k])
        held = [i for i, f in enumerate(folds) if f == k]
        for i, s in zip(held, score_rows(ranker, [rows[i] for i in held]), strict=True):
            scored[i] = s
    return scored  # type: ignore[return-value]


def rates(scored: Sequence[Scored], answer: float, suggest: float, none_limit: float = 1.0,
          max_suggestions: int = 3) -> dict[str, float]:
    """The figures of bench/evaluate.py for given thresholds (suggestions only while the probability of
    "none of them" is under ``none_limit``)."""
    in_scope = [s for s in scored if s.item.expected != OUT_OF_SCOPE]
    oos = [s for s in scored if s.item.expected == OUT_OF_SCOPE]

    def answered(s: Scored) -> bool:
        return bool(s.ranked) and s.may_answer and s.ranked[0][1] >= answer

    def offered(s: Scored) -> list[str]:
        if answered(s) or s.none >= none_limit:
            return []
        return [i for i, q in s.ranked[:max_suggestions] if q >= suggest]

    n = max(len(in_scope), 1)
    return {
        "top1": sum(answered(s) and s.ranked[0][0] == s.item.expected for s in in_scope) / n,
        "ranked_first": sum(bool(s.ranked) and s.ranked[0][0] == s.item.expected for s in in_scope) / n,
        "reachable": sum((answered(s) and s.ranked[0][0] == s.item.expected) or s.item.expected in offered(s)
                         for s in in_scope) / n,
        "wrong": sum(answered(s) and s.ranked[0][0] != s.item.expected for s in in_scope) / n,
        "oos_answered": sum(answered(s) for s in oos) / max(len(oos), 1),
        "oos_offered": sum(bool(offered(s)) for s in oos) / max(len(oos), 1),
    }


def choose_thresholds(scored: Sequence[Scored]) -> tuple[float, float, float]:
    """(answer, suggest, none_limit): see the module's docstring."""
    grid = [round(x / 100, 2) for x in range(30, 100)]
    safe = [a for a in grid if (r := rates(scored, a, 0.01))["wrong"] <= MAX_WRONG and r["oos_answered"] <= MAX_OOS_ANSWERED]
    if not safe:
        raise SystemExit("no answer threshold meets the risk limits")
    answer = min(safe, key=lambda a: (-rates(scored, a, 0.01)["top1"], a))
    widest = rates(scored, answer, 0.01)["reachable"]
    # Fewest out-of-scope questions offered suggestions for at most half a point of "reachable"; ties go
    # to the higher floor and the lower limit (fewer, likelier suggestions).
    pairs = [(f / 100, limit / 100) for f in range(1, 31) for limit in range(50, 101, 5)]
    fits = [(f, limit, r) for f, limit in pairs if (r := rates(scored, answer, f, limit))["reachable"] >= widest - 0.005]
    suggest, none_limit, _ = min(fits, key=lambda x: (x[2]["oos_offered"], -x[0], x[1]))
    return answer, suggest, none_limit


def render(ranker: Ranker, answer: float, suggest: float, none_limit: float, note: str) -> str:
    entry = ", ".join(f'"{n}": {w:.4f}' for n, w in zip(ENTRY_FEATURES, ranker.entry_weights, strict=True))
    none = ", ".join(f'"{n}": {w:.4f}' for n, w in zip(QUERY_FEATURES, ranker.none_weights, strict=True))
    return (
        f'"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).\n\n{note}\n"""\n\n'
        f"ENTRY_WEIGHTS = {{{entry}}}\n"
        f"NONE_WEIGHTS = {{{none}}}\n"
        f"ANSWER = {answer}\n"
        f"SUGGEST = {suggest}\n"
        f"NONE_LIMIT = {none_limit}\n"
    )


def fmt(r: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.3f}" for k, v in r.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--oos", default=str(ROOT / "bench" / "out_of_scope.tsv"))
    parser.add_argument("--check", action="store_true", help="report only; do not write the weights")
    args = parser.parse_args(argv)

    entries = load_knowledge(args.knowledge)
    entry_ids = [e.id for e in entries]
    rows = held_out_rows(entries)
    full = Matcher(entries)
    rows += [row_for(full, item) for item in load_question_set(args.oos)]
    n_in = sum(r.item.expected != OUT_OF_SCOPE for r in rows)
    present = sum(r.label >= 0 for r in rows if r.item.expected != OUT_OF_SCOPE) / max(n_in, 1)
    print(f"{n_in} held-out variants (right entry among the candidates: {present:.3f}), {len(rows) - n_in} out-of-scope")

    scored = cross_validated(rows, entry_ids)
    answer, suggest, none_limit = choose_thresholds(scored)
    cv = rates(scored, answer, suggest, none_limit)
    print(f"cross-validated ({FOLDS} folds by entry) at answer {answer} suggest {suggest} none_limit {none_limit}: {fmt(cv)}")

    ranker = train(rows)
    print("weights:", dict(zip(ENTRY_FEATURES, np.round(ranker.entry_weights, 3), strict=True)),
          dict(zip(QUERY_FEATURES, np.round(ranker.none_weights, 3), strict=True)))
    note = (
        f"Trained on {n_in} held-out variants and {len(rows) - n_in} out-of-scope questions of {len(entries)} entries "
        f"({dt.date.today().isoformat()}).\nCross-validated at these thresholds: {fmt(cv)}."
    )
    if not args.check:
        target = ROOT / "bot" / "core" / "ranker_weights.py"
        target.write_text(render(ranker, answer, suggest, none_limit, note), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
