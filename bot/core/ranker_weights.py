"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1456 held-out variants and 89 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.820  ranked_first 0.912  reachable 0.953  wrong 0.027  oos_answered 0.011  oos_offered 0.236.
"""

ENTRY_WEIGHTS = {"text": 0.4121, "bag": 1.3319, "answer": 2.6477, "text_squared": 1.3914, "bag_x_text": 1.7583, "question_coverage": -0.3051, "text_coverage": 3.9067, "intent": 0.2001, "fuzzy": 0.6697, "fuzzy_squared": 2.4594, "unexplained": -1.4811, "rarest_unexplained": -0.6322}
NONE_WEIGHTS = {"bias": 4.4976, "unknown": 2.6305, "brevity": 1.8795}
ANSWER = 0.68
LEAD = 0.68
LEAD_RATIO = 1.0
SUGGEST = 0.03
NONE_LIMIT = 0.8
