"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1995 held-out variants, 89 out-of-scope questions, 353 in-scope and 212 out-of-scope messages (54 entries, 2026-11-29).
Thresholds: answer 0.76 (or lead 0.65 at 4.0x the runner-up and none) suggest 0.01 none_limit 0.95. Cross-validated there:
  variants: top1 0.688  ranked_first 0.868  reachable 0.964  wrong 0.030  oos_answered 0.000  oos_offered 0.000
  out-of-scope: top1 0.000  ranked_first 0.000  reachable 0.000  wrong 0.000  oos_answered 0.022  oos_offered 0.236
  messages: top1 0.739  ranked_first 0.921  reachable 0.986  wrong 0.014  oos_answered 0.014  oos_offered 0.509
"""

ENTRY_WEIGHTS = {"text": 0.0596, "bag": 0.5286, "answer": 1.5715, "text_squared": 0.5080, "bag_x_text": 0.4386, "question_coverage": -0.8352, "text_coverage": 3.2549, "intent": -0.1817, "fuzzy": 0.2520, "fuzzy_squared": 2.6216, "unexplained": -3.1044, "rarest_unexplained": 0.1890, "bag_mixed": 2.2542, "key_missing": -2.6617, "scope_gap": -4.5111, "post_gap": -1.7509, "date_gap": -2.7123}
NONE_WEIGHTS = {"bias": 2.8090, "unknown": 0.8041, "brevity": 2.1036}
ANSWER = 0.76
LEAD = 0.65
LEAD_RATIO = 4.0
SUGGEST = 0.01
NONE_LIMIT = 0.95
