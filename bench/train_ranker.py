"""Learn the ranker's weights (bot/core/ranker.py) and its probability thresholds; write them to
bot/core/ranker_weights.py.

    python bench/train_ranker.py [--knowledge knowledge] [--oos bench/out_of_scope.tsv]
                                 [--messages bench/train_messages.tsv] [--check]

Training data, never the development sets (../shared/knowledge/dev_*.tsv):
- every variant of every FAQ entry, held out in turn: the matcher is rebuilt without it and asked it, so
  the features are those of a question the knowledge base has not seen (label: its entry);
- our own out-of-scope questions, bench/out_of_scope.tsv (label: none of them);
- our own realistic Telegram messages, bench/train_messages.tsv (long ones with greetings and stories,
  short ones, Latin letters, code-switched; in scope and near-domain out of scope), weighted
  ``MESSAGE_WEIGHT`` times a variant: they are what the bot is asked.
Out-of-scope rows weigh ``OOS_WEIGHT`` times their set's weight.

The model is a conditional logit over the candidates plus a "none" option, fitted by full-batch Adam for a
fixed number of steps from zero (deterministic). The thresholds are chosen on cross-validated
probabilities (four folds by entry: weights trained on the other entries' questions), so they are not
fitted to the same data as the weights:
- answer, lead and lead ratio (an entry is answered when its probability reaches "answer", or "lead" while
  being "lead ratio" times the runner-up and "none of them"): the highest top-1 on the variants and the
  messages together with at most ``MAX_WRONG`` wrong answers on the variants, ``MAX_WRONG_MESSAGES`` on
  the messages and ``MAX_OOS_ANSWERED`` of all our out-of-scope questions answered (the two sets pooled:
  one question more or less in the small set must not move the thresholds);
- the suggestion floor and the "none" limit above which nothing is suggested: the fewest out-of-scope
  questions offered anything for at most half a point of "reachable" on each in-scope set.

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
from bot.core.matcher import Candidate, Evidence, Matcher, Thresholds, decide  # noqa: E402
from bot.core.ranker import ENTRY_FEATURES, QUERY_FEATURES, Ranker  # noqa: E402

MAX_WRONG = 0.03  # on held-out variants
MAX_WRONG_MESSAGES = 0.02  # on our messages
MAX_OOS_ANSWERED = 0.02  # of all our out-of-scope questions together (the issue allows 0.05)
OOS_WEIGHT = 2.0
MESSAGE_WEIGHT = 8.0
FOLDS = 4
VARIANTS, OOS, MESSAGES = "variants", "out-of-scope", "messages"


@dataclass
class Row:
    item: Labelled
    ids: tuple[str, ...]  # candidate entry ids, in the matcher's order
    features: np.ndarray  # (len(ids), len(ENTRY_FEATURES))
    query: np.ndarray  # (len(QUERY_FEATURES),)
    may_answer: bool = True  # False for one word several entries share (the matcher only suggests then)
    weight: float = 1.0  # relative weight in training (before the out-of-scope factor)
    group: str = VARIANTS
    answerable: tuple[bool, ...] = ()  # per candidate (matcher.Evidence.answerable); empty: all

    @property
    def label(self) -> int:
        """Index of the expected entry among the candidates; -1 for none (or not among them)."""
        return self.ids.index(self.item.expected) if self.item.expected in self.ids else -1


def row_for(matcher: Matcher, item: Labelled, group: str = VARIANTS, weight: float = 1.0) -> Row:
    """The ranker's input for one labelled question: exactly the evidence match() decides on."""
    found: Evidence | None = matcher.question_evidence(item.question)
    if found is None:
        return Row(item, (), np.zeros((0, len(ENTRY_FEATURES))), np.zeros(len(QUERY_FEATURES)), weight=weight,
                   group=group)
    answerable = tuple(bool(a) for a in found.answerable) if found.answerable is not None else ()
    return Row(item, tuple(matcher.entries[i].id for i in found.entries), found.features, found.query,
               not found.one_shared_word, weight, group, answerable)


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


def training_rows(entries: list[FaqEntry], oos_path: str | Path, messages_path: str | Path | None) -> list[Row]:
    """Held-out variants, our out-of-scope questions and our messages (when given), grouped and weighted."""
    full = Matcher(entries)
    rows = held_out_rows(entries)
    rows += [row_for(full, item, OOS) for item in load_question_set(oos_path)]
    if messages_path and Path(messages_path).exists():
        rows += [row_for(full, item, MESSAGES, MESSAGE_WEIGHT) for item in load_question_set(messages_path)]
    return rows


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
    weight = np.array([r.weight * (OOS_WEIGHT if r.item.expected == OUT_OF_SCOPE else 1.0) for r in usable])
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
    group: str = VARIANTS
    answerable: tuple[bool, ...] = ()  # per ranked candidate; empty: all

    def outcome(self, t: Thresholds) -> tuple[str | None, tuple[str, ...]]:
        """(the answered id or None, the ids offered) under thresholds ``t``, as match() decides."""
        flags = self.answerable or (True,) * len(self.ranked)
        ranked = [Candidate(i, p, "ky", a) for (i, p), a in zip(self.ranked, flags, strict=True)]
        status, entry_id, suggestions = decide(ranked, t, self.may_answer, self.none)
        return (entry_id if status == "answer" else None), tuple(c.entry_id for c in suggestions)


def score_rows(ranker: Ranker, rows: Sequence[Row]) -> list[Scored]:
    out = []
    for row in rows:
        if not row.ids:
            out.append(Scored(row.item, (), row.may_answer, 1.0, row.group))
            continue
        p, none = ranker.probabilities(row.features, row.query)
        order = sorted(range(len(row.ids)), key=lambda i: (-p[i], row.ids[i]))
        answerable = tuple(row.answerable[i] for i in order) if row.answerable else ()
        out.append(Scored(row.item, tuple((row.ids[i], float(p[i])) for i in order), row.may_answer, none,
                          row.group, answerable))
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


def rates(scored: Sequence[Scored], t: Thresholds) -> dict[str, float]:
    """The figures of bench/evaluate.py under thresholds ``t``."""
    in_scope = [s for s in scored if s.item.expected != OUT_OF_SCOPE]
    oos = [s for s in scored if s.item.expected == OUT_OF_SCOPE]
    got = {id(s): s.outcome(t) for s in scored}
    n = max(len(in_scope), 1)
    return {
        "top1": sum(got[id(s)][0] == s.item.expected for s in in_scope) / n,
        "ranked_first": sum(bool(s.ranked) and s.ranked[0][0] == s.item.expected for s in in_scope) / n,
        "reachable": sum(got[id(s)][0] == s.item.expected or s.item.expected in got[id(s)][1] for s in in_scope) / n,
        "wrong": sum(got[id(s)][0] not in (None, s.item.expected) for s in in_scope) / n,
        "oos_answered": sum(got[id(s)][0] is not None for s in oos) / max(len(oos), 1),
        "oos_offered": sum(got[id(s)][0] is None and bool(got[id(s)][1]) for s in oos) / max(len(oos), 1),
    }


def by_group(scored: Sequence[Scored]) -> dict[str, list[Scored]]:
    groups: dict[str, list[Scored]] = {}
    for s in scored:
        groups.setdefault(s.group, []).append(s)
    return groups


class _Answering:
    """Who gets answered, and whether rightly, for many answer thresholds at once (numpy over rows)."""

    def __init__(self, scored: Sequence[Scored]):
        self.p1 = np.array([s.ranked[0][1] if s.ranked else 0.0 for s in scored])
        self.p2 = np.array([s.ranked[1][1] if len(s.ranked) > 1 else 0.0 for s in scored])
        self.none = np.array([s.none for s in scored])
        self.may = np.array([bool(s.ranked) and s.may_answer and (not s.answerable or s.answerable[0])
                             for s in scored])
        self.right = np.array([bool(s.ranked) and s.ranked[0][0] == s.item.expected for s in scored])
        self.oos = np.array([s.item.expected == OUT_OF_SCOPE for s in scored])

    def outcome(self, answer: float, lead: float, ratio: float) -> tuple[np.ndarray, np.ndarray]:
        """(answered, answered rightly) per row, as matcher.leads() has it."""
        answered = self.may & ((self.p1 >= answer) | ((self.p1 >= lead) & (self.p1 >= ratio * np.maximum(self.p2, self.none))))
        return answered, answered & self.right


def choose_thresholds(scored: Sequence[Scored]) -> Thresholds:
    """The thresholds of the module's docstring, on cross-validated probabilities."""
    groups = by_group(scored)
    answering = {name: _Answering(rows) for name, rows in groups.items()}
    limits = {VARIANTS: MAX_WRONG, MESSAGES: MAX_WRONG_MESSAGES}
    safe: list[tuple[float, float, float, float]] = []
    grid = [round(x / 100, 2) for x in range(20, 100)]
    for answer in grid:
        for lead in [x for x in grid if x <= answer and round(x * 100) % 5 == 0]:  # leads in steps of 0.05
            for ratio in ((1.0,) if lead == answer else (1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)):
                score, ok, oos_answered, oos_total = 0.0, True, 0, 0
                for name, a in answering.items():
                    answered, right = a.outcome(answer, lead, ratio)
                    in_scope = ~a.oos
                    wrong = (answered & ~right & in_scope).sum() / max(in_scope.sum(), 1)
                    if wrong > limits.get(name, 1.0):
                        ok = False
                        break
                    oos_answered += (answered & a.oos).sum()
                    oos_total += a.oos.sum()
                    if in_scope.any():
                        score += (right & in_scope).sum() / in_scope.sum()
                if ok and oos_answered <= MAX_OOS_ANSWERED * max(oos_total, 1):
                    safe.append((round(score, 9), answer, lead, ratio))
    if not safe:
        raise SystemExit("no answer threshold meets the risk limits")
    # The highest top-1; ties go to the more careful rule (higher thresholds, higher ratio).
    best = max(safe)
    _, answer, lead, ratio = best
    base = Thresholds(answer=answer, lead=lead, lead_ratio=ratio, suggest=0.01, none_limit=1.0)
    widest = {name: rates(rows, base)["reachable"] for name, rows in groups.items()}
    # Fewest out-of-scope questions offered suggestions for at most half a point of "reachable" on each
    # set; ties go to the higher floor and the lower limit (fewer, likelier suggestions).
    fits = []
    for floor in range(1, 31):
        for limit in range(50, 101, 5):
            t = Thresholds(answer=answer, lead=lead, lead_ratio=ratio, suggest=floor / 100, none_limit=limit / 100)
            figures = {name: rates(rows, t) for name, rows in groups.items()}
            if all(figures[name]["reachable"] >= widest[name] - 0.005 for name in groups if name != OOS):
                offered = sum(f["oos_offered"] for f in figures.values())
                fits.append((offered, -floor, limit, t))
    return min(fits, key=lambda x: x[:3])[3]


def render(ranker: Ranker, t: Thresholds, note: str) -> str:
    entry = ", ".join(f'"{n}": {w:.4f}' for n, w in zip(ENTRY_FEATURES, ranker.entry_weights, strict=True))
    none = ", ".join(f'"{n}": {w:.4f}' for n, w in zip(QUERY_FEATURES, ranker.none_weights, strict=True))
    return (
        f'"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).\n\n{note}\n"""\n\n'
        f"ENTRY_WEIGHTS = {{{entry}}}\n"
        f"NONE_WEIGHTS = {{{none}}}\n"
        f"ANSWER = {t.answer}\n"
        f"LEAD = {t.lead}\n"
        f"LEAD_RATIO = {t.lead_ratio}\n"
        f"SUGGEST = {t.suggest}\n"
        f"NONE_LIMIT = {t.none_limit}\n"
    )


def fmt(r: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.3f}" for k, v in r.items())


def describe(t: Thresholds) -> str:
    return (f"answer {t.answer} (or lead {t.lead} at {t.lead_ratio}x the runner-up and none) suggest {t.suggest} "
            f"none_limit {t.none_limit}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--oos", default=str(ROOT / "bench" / "out_of_scope.tsv"))
    parser.add_argument("--messages", default=str(ROOT / "bench" / "train_messages.tsv"))
    parser.add_argument("--check", action="store_true", help="report only; do not write the weights")
    args = parser.parse_args(argv)

    entries = load_knowledge(args.knowledge)
    entry_ids = [e.id for e in entries]
    rows = training_rows(entries, args.oos, args.messages)
    def count(group: str, oos: bool) -> int:
        return sum(r.group == group and (r.item.expected == OUT_OF_SCOPE) == oos for r in rows)

    sizes = (f"{count(VARIANTS, False)} held-out variants, {count(OOS, True)} out-of-scope questions, "
             f"{count(MESSAGES, False)} in-scope and {count(MESSAGES, True)} out-of-scope messages")
    present = [r.label >= 0 for r in rows if r.item.expected != OUT_OF_SCOPE]
    print(f"{sizes}; right entry among the candidates: {sum(present) / max(len(present), 1):.3f}")

    scored = cross_validated(rows, entry_ids)
    t = choose_thresholds(scored)
    print(f"cross-validated ({FOLDS} folds by entry) at {describe(t)}:")
    figures = {name: rates(group, t) for name, group in by_group(scored).items()}
    for name, r in figures.items():
        print(f"  {name:<13} {fmt(r)}")

    ranker = train(rows)
    print("weights:", dict(zip(ENTRY_FEATURES, np.round(ranker.entry_weights, 3), strict=True)),
          dict(zip(QUERY_FEATURES, np.round(ranker.none_weights, 3), strict=True)))
    note = (
        f"Trained on {sizes} ({len(entries)} entries, {dt.date.today().isoformat()}).\n"
        f"Thresholds: {describe(t)}. Cross-validated there:\n"
        + "\n".join(f"  {name}: {fmt(r)}" for name, r in figures.items())
    )
    if not args.check:
        target = ROOT / "bot" / "core" / "ranker_weights.py"
        target.write_text(render(ranker, t, note), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
