"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1392 held-out variants and 89 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.820  ranked_first 0.919  reachable 0.954  wrong 0.027  oos_answered 0.011  oos_offered 0.258.
"""

ENTRY_WEIGHTS = {"text": 0.4723, "bag": 1.2358, "answer": 2.9148, "text_squared": 1.3435, "bag_x_text": 1.6940, "question_coverage": -0.2221, "text_coverage": 3.8407, "intent": 0.3450, "fuzzy": 0.5474, "fuzzy_squared": 2.4114, "unexplained": -1.5320, "rarest_unexplained": -0.6413}
NONE_WEIGHTS = {"bias": 4.5136, "unknown": 2.6092, "brevity": 1.8476}
ANSWER = 0.66
SUGGEST = 0.05
NONE_LIMIT = 0.85
