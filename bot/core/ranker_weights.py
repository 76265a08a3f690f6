"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1392 held-out variants and 89 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.820  ranked_first 0.920  reachable 0.953  wrong 0.027  oos_answered 0.011  oos_offered 0.258.
"""

ENTRY_WEIGHTS = {"text": 0.4699, "bag": 1.2509, "answer": 2.9563, "text_squared": 1.3541, "bag_x_text": 1.6974, "question_coverage": -0.2506, "text_coverage": 3.8483, "intent": 0.3563, "fuzzy": 0.5185, "fuzzy_squared": 2.3954, "unexplained": -1.5581, "rarest_unexplained": -0.6247}
NONE_WEIGHTS = {"bias": 4.5094, "unknown": 2.6841, "brevity": 1.8696}
ANSWER = 0.66
SUGGEST = 0.05
NONE_LIMIT = 0.85
