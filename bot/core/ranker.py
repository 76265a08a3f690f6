"""Turn the matcher's evidence about the best few entries into probabilities, with "none of them" as an option.

Each candidate entry is described by a handful of features (the views of :mod:`bot.core.matcher`, plus a
character-level fuzzy ratio and whether the entry knows the question's question word); the question
itself by how much of it the knowledge base does not know and how short it is. A conditional-logit
model turns them into a probability per candidate and one for "none": the weights are learned by
``bench/train_ranker.py`` on the FAQ's own variants held out one at a time and our own out-of-scope
questions (never on the development questions) and written to :mod:`bot.core.ranker_weights`.

Why learned: the hand-set mix of views ranked the right entry first about as often, but its score was a
poor measure of confidence, so the bot either answered wrongly or held back right answers. A probability
that weighs the runner-ups and the unknown words in one number is what the answer band needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.core import ranker_weights

BASE_FEATURES = (
    "text",  # the entry's best question text: weighted F-measure of the two coverages
    "bag",  # all its question texts as one bag: share of the question covered
    "answer",  # its answer: share of the question covered
    "text_squared",
    "bag_x_text",
    "question_coverage",  # the best text's share of the question (IDF-weighted)
    "text_coverage",  # the best text's share covered by the question
    "intent",  # 1 when the entry's texts use the question's question words ("who", "how many")
    "fuzzy",  # rapidfuzz token_set_ratio with the closest text, 0..1 (typos, word order)
    "fuzzy_squared",
    "unexplained",  # share of the question's known words the entry never uses (texts or answer)
    "rarest_unexplained",  # the rarest such word's weight relative to the question's rarest word
    "bag_mixed",  # as "bag", each word in whichever language covers it (code-switched questions)
    "key_missing",  # share of the entry's key terms (used by most of its texts) the question lacks
    "scope_gap",  # the question names an institution, country, post or attribute its texts never do (1; 0.5
    # when its answer does)
    "post_gap",  # the same for the FAQ's own posts and bodies (akim, mayor, aiyl okmotu head, envoy, …)
    "date_gap",  # 1 when the question names a year or month its texts and answer never do
)
# Each feature also as a margin: the candidate's value minus the best value among the other candidates
# (itself when it is alone). A linear model over the raw features cannot say "far ahead of the rest"; with
# the margins it can, and a clear leader gets the confidence it deserves (on our own held-out variants and
# messages, cross-validated: top-1 +2.4 and +2.8 points at the same risk).
# Each feature once more scaled by the question's length (``length`` below): a long message with a story
# around its question covers little of any entry's text and leaves many words unexplained even when it
# plainly asks one entry's question, so the same evidence means more in a long message than in a short
# question. With these the model learns how much more (cross-validated on our own sets: top-1 on our
# messages +3.1 points, held-out variants -0.4, at the same risk limits).
ENTRY_FEATURES = (BASE_FEATURES + tuple(f"margin_{name}" for name in BASE_FEATURES)
                  + tuple(f"long_{name}" for name in BASE_FEATURES))
QUERY_FEATURES = (
    "bias",
    "unknown",  # the share of the question's weight in words the knowledge base does not know
    "brevity",  # 1 / (1 + number of content words)
    "length",  # min(content words, LONG_WORDS) / LONG_WORDS
)
LONG_WORDS = 15


def length_of(content_words: int) -> float:
    """The question's length on 0..1: its content words (focus and context), saturating at LONG_WORDS."""
    return min(content_words, LONG_WORDS) / LONG_WORDS


def entry_features(base: np.ndarray, length: float) -> np.ndarray:
    """The ranker's candidate rows from the BASE_FEATURES columns: the features, their margins (below)
    and the features scaled by the question's length."""
    return np.hstack([with_margins(base), base * length])


def with_margins(base: np.ndarray) -> np.ndarray:
    """Append, per column, each row's margin over the best other row (rows: candidates, columns as
    BASE_FEATURES); a single candidate's margin is its own value."""
    n = len(base)
    if n == 0:
        return np.zeros((0, 2 * base.shape[1]))
    if n == 1:
        return np.hstack([base, base])
    order = np.argsort(-base, axis=0, kind="stable")
    top, second = base[order[0], np.arange(base.shape[1])], base[order[1], np.arange(base.shape[1])]
    others = np.where(np.arange(n)[:, None] == order[0][None, :], second[None, :], top[None, :])
    return np.hstack([base, base - others])


@dataclass(frozen=True)
class Ranker:
    entry_weights: np.ndarray
    none_weights: np.ndarray

    @classmethod
    def trained(cls) -> Ranker:
        return cls.from_mapping(ranker_weights.ENTRY_WEIGHTS, ranker_weights.NONE_WEIGHTS)

    @classmethod
    def from_mapping(cls, entry: dict[str, float], none: dict[str, float]) -> Ranker:
        """A feature without a weight weighs nothing (so a new feature can be trained in; a test keeps the
        shipped weights complete)."""
        return cls(
            np.array([entry.get(name, 0.0) for name in ENTRY_FEATURES], dtype=np.float64),
            np.array([none.get(name, 0.0) for name in QUERY_FEATURES], dtype=np.float64),
        )

    def probabilities(self, entry_features: np.ndarray, query_features: np.ndarray) -> tuple[np.ndarray, float]:
        """(probability per candidate row, probability that the question is about none of them)."""
        logits = np.append(entry_features @ self.entry_weights, query_features @ self.none_weights)
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return p[:-1], float(p[-1])
