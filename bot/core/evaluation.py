"""Measuring a matcher on labelled questions: shared by ``bench/`` and the regression tests.

A question set is a TSV of ``expected id`` TAB ``question``; "-" marks a question the FAQ must not answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

OUT_OF_SCOPE = "-"


@dataclass(frozen=True)
class Labelled:
    expected: str  # an entry id, or "-" for out of scope
    question: str


@dataclass(frozen=True)
class Outcome:
    """What a matcher did with one question: the answered id (or None) and the ids it offered."""

    answered: str | None
    offered: tuple[str, ...] = ()
    ranked_first: str | None = None  # the best-ranked entry, whether or not it was answered


@dataclass(frozen=True)
class Metrics:
    in_scope: int
    out_of_scope: int
    top1: float  # answered with the right entry
    reachable: float  # the right entry answered or among the suggestions
    wrong: float  # answered with a wrong entry (of in-scope questions)
    oos_answered: float  # out-of-scope questions answered from the FAQ anyway
    ranked_first: float = 0.0  # the right entry ranked first (answered or not)

    def row(self) -> str:
        return (
            f"top1 {self.top1:.3f}  ranked-first {self.ranked_first:.3f}  reachable {self.reachable:.3f}  wrong {self.wrong:.3f}  "
            f"oos-answered {self.oos_answered:.3f}  (n={self.in_scope}+{self.out_of_scope})"
        )


def load_question_set(path: str | Path) -> list[Labelled]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expected, _, question = line.partition("\t")
        if question.strip():
            items.append(Labelled(expected.strip(), question.strip()))
    return items


def score(items: Sequence[Labelled], outcomes: Sequence[Outcome]) -> Metrics:
    in_scope = [(i, o) for i, o in zip(items, outcomes, strict=True) if i.expected != OUT_OF_SCOPE]
    oos = [o for i, o in zip(items, outcomes, strict=True) if i.expected == OUT_OF_SCOPE]
    n = max(len(in_scope), 1)
    return Metrics(
        in_scope=len(in_scope),
        out_of_scope=len(oos),
        top1=sum(o.answered == i.expected for i, o in in_scope) / n,
        reachable=sum(o.answered == i.expected or i.expected in o.offered for i, o in in_scope) / n,
        wrong=sum(o.answered is not None and o.answered != i.expected for i, o in in_scope) / n,
        oos_answered=sum(o.answered is not None for o in oos) / max(len(oos), 1),
        ranked_first=sum(o.ranked_first == i.expected for i, o in in_scope) / n,
    )


def evaluate(answer: Callable[[str], Outcome], items: Iterable[Labelled]) -> Metrics:
    items = list(items)
    return score(items, [answer(i.question) for i in items])


def matcher_outcome(matcher) -> Callable[[str], Outcome]:
    """Adapt :class:`bot.core.matcher.Matcher` to :func:`evaluate`."""

    def run(question: str) -> Outcome:
        result = matcher.match(question)
        first = result.candidates[0].entry_id if result.candidates else None
        offered = tuple(c.entry_id for c in result.suggestions)  # under an answer: the other questions shown
        if result.status == "answer":
            return Outcome(result.entry_id, (result.entry_id, *offered), first)
        return Outcome(None, offered, first)

    return run
