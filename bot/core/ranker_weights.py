"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1392 held-out variants and 89 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.820  ranked_first 0.919  reachable 0.955  wrong 0.027  oos_answered 0.011.
"""

ENTRY_WEIGHTS = {"text": 0.4788, "bag": 1.2590, "answer": 2.9566, "text_squared": 1.3370, "bag_x_text": 1.6812, "question_coverage": -0.2519, "text_coverage": 3.8447, "intent": 0.3770, "fuzzy": 0.5766, "fuzzy_squared": 2.4297, "unexplained": -1.5880, "rarest_unexplained": -0.6006}
NONE_WEIGHTS = {"bias": 4.5260, "unknown": 2.6435, "brevity": 1.8800}
ANSWER = 0.67
SUGGEST = 0.05
