"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1995 held-out variants, 89 out-of-scope questions, 353 in-scope and 212 out-of-scope messages (54 entries, 2026-11-29).
Thresholds: answer 0.8 (or lead 0.7 at 8.0x the runner-up and none) suggest 0.01 none_limit 0.95. Cross-validated there:
  variants: top1 0.498  ranked_first 0.839  reachable 0.953  wrong 0.015  oos_answered 0.000  oos_offered 0.000
  out-of-scope: top1 0.000  ranked_first 0.000  reachable 0.000  wrong 0.000  oos_answered 0.011  oos_offered 0.337
  messages: top1 0.459  ranked_first 0.921  reachable 0.989  wrong 0.003  oos_answered 0.024  oos_offered 0.774
"""

ENTRY_WEIGHTS = {"text": -0.7410, "bag": 1.9907, "answer": 1.9953, "text_squared": 0.4451, "bag_x_text": 1.4821, "question_coverage": -0.8340, "text_coverage": 4.2973, "intent": -0.4301, "fuzzy": 0.5557, "fuzzy_squared": 2.6174, "unexplained": -3.3983, "rarest_unexplained": 0.2729}
NONE_WEIGHTS = {"bias": 5.2730, "unknown": 1.2641, "brevity": 3.5751}
ANSWER = 0.8
LEAD = 0.7
LEAD_RATIO = 8.0
SUGGEST = 0.01
NONE_LIMIT = 0.95
