"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1392 held-out variants and 89 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.812  ranked_first 0.917  reachable 0.957  wrong 0.027  oos_answered 0.011.
"""

ENTRY_WEIGHTS = {"text": 0.5977, "bag": 1.2745, "answer": 2.9134, "text_squared": 1.2673, "bag_x_text": 1.6375, "question_coverage": -0.1973, "text_coverage": 3.9197, "intent": 0.4321, "fuzzy": 0.7060, "fuzzy_squared": 2.5395, "unexplained": -1.3739, "rarest_unexplained": -0.6811}
NONE_WEIGHTS = {"bias": 4.7611, "unknown": 2.7210, "brevity": 1.9003}
ANSWER = 0.67
SUGGEST = 0.04
