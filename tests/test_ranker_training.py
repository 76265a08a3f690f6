"""The ranker's trainer (bench/train_ranker.py) learns what the labels say, and the shipped weights load."""

import sys
from pathlib import Path

import numpy as np

from bot.core.evaluation import OUT_OF_SCOPE, Labelled
from bot.core.matcher import Thresholds
from bot.core.ranker import ENTRY_FEATURES, QUERY_FEATURES, Ranker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from train_ranker import Row, choose_thresholds, rates, score_rows, train  # noqa: E402


def _rows(rng: np.random.Generator, n: int) -> list[Row]:
    """Two candidates per question; the right one has the higher "text_coverage" (plus noise elsewhere).
    Out-of-scope questions have a high "unknown" share."""
    col = ENTRY_FEATURES.index("text_coverage")
    rows = []
    for i in range(n):
        features = rng.uniform(0, 1, (2, len(ENTRY_FEATURES)))
        query = np.zeros(len(QUERY_FEATURES))
        query[QUERY_FEATURES.index("bias")] = 1.0
        query[QUERY_FEATURES.index("brevity")] = 0.3
        if i % 5 == 4:
            query[QUERY_FEATURES.index("unknown")] = 0.9
            rows.append(Row(Labelled(OUT_OF_SCOPE, f"q{i}"), ("a", "b"), features, query))
            continue
        features[:, col] = (0.9, 0.2) if i % 2 else (0.2, 0.9)
        rows.append(Row(Labelled("a" if i % 2 else "b", f"q{i}"), ("a", "b"), features, query))
    return rows


def test_training_learns_the_informative_feature_and_the_none_option():
    rng = np.random.default_rng(1)
    ranker = train(_rows(rng, 200), steps=400)
    assert ranker.entry_weights[ENTRY_FEATURES.index("text_coverage")] > 1
    assert ranker.none_weights[QUERY_FEATURES.index("unknown")] > 1
    held_out = score_rows(ranker, _rows(np.random.default_rng(2), 100))
    figures = rates(held_out, Thresholds(answer=0.5, lead=0.5, lead_ratio=1.0, suggest=0.1, none_limit=1.0))
    assert figures["ranked_first"] == 1.0
    assert figures["oos_answered"] == 0.0
    t = choose_thresholds(held_out)
    assert 0.2 <= t.lead <= t.answer < 1 and t.lead_ratio >= 1 and 0.01 <= t.suggest <= 0.3 and 0.5 <= t.none_limit <= 1.0
    # The out-of-scope questions (high "unknown") get nothing offered at the chosen limit.
    assert rates(held_out, t)["oos_offered"] == 0.0


def test_shipped_weights_cover_every_feature():
    from bot.core import ranker_weights

    assert tuple(ranker_weights.ENTRY_WEIGHTS) == ENTRY_FEATURES
    assert tuple(ranker_weights.NONE_WEIGHTS) == QUERY_FEATURES
    assert 0 < ranker_weights.LEAD <= ranker_weights.ANSWER < 1 and ranker_weights.LEAD_RATIO >= 1
    ranker = Ranker.trained()
    assert ranker.entry_weights.shape == (len(ENTRY_FEATURES),)
    assert ranker.none_weights.shape == (len(QUERY_FEATURES),)
    p, none = ranker.probabilities(np.ones((3, len(ENTRY_FEATURES))), np.ones(len(QUERY_FEATURES)))
    assert abs(p.sum() + none - 1) < 1e-9
