"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 960 held-out variants and 47 out-of-scope questions of 36 entries (2026-11-26).
Cross-validated at these thresholds: top1 0.688  ranked_first 0.885  reachable 0.950  wrong 0.027  oos_answered 0.000.
"""

ENTRY_WEIGHTS = {"text": 0.6243, "bag": 2.2291, "answer": 4.0319, "text_squared": 1.5113, "bag_x_text": 2.2462, "question_coverage": -0.6980, "text_coverage": 3.6024, "intent": 0.6623, "fuzzy": 0.5037, "fuzzy_squared": 2.0525}
NONE_WEIGHTS = {"bias": 4.5626, "unknown": 2.1163, "brevity": 1.9667}
ANSWER = 0.8
SUGGEST = 0.07
