"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1995 held-out variants, 89 out-of-scope questions, 353 in-scope and 212 out-of-scope messages (54 entries, 2026-12-08).
Thresholds: answer 0.74 (or lead 0.6 at 5.0x the runner-up and none) suggest 0.01 none_limit 0.9. Cross-validated there:
  variants: top1 0.706  ranked_first 0.873  reachable 0.963  wrong 0.030  oos_answered 0.000  oos_offered 0.000
  out-of-scope: top1 0.000  ranked_first 0.000  reachable 0.000  wrong 0.000  oos_answered 0.011  oos_offered 0.169
  messages: top1 0.799  ranked_first 0.938  reachable 0.983  wrong 0.014  oos_answered 0.014  oos_offered 0.311
"""

ENTRY_WEIGHTS = {"text": 0.5735, "bag": 0.0618, "answer": 0.8686, "text_squared": 0.3923, "bag_x_text": -0.1216, "question_coverage": 0.1044, "text_coverage": 1.3047, "intent": -0.7673, "fuzzy": 0.0819, "fuzzy_squared": 1.4060, "unexplained": -1.6355, "rarest_unexplained": -0.2962, "bag_mixed": 0.8870, "key_missing": -2.4256, "scope_gap": -4.5058, "post_gap": -1.0899, "date_gap": -2.6117, "margin_text": 0.5462, "margin_bag": 0.6728, "margin_answer": 1.2066, "margin_text_squared": 0.1604, "margin_bag_x_text": -0.3091, "margin_question_coverage": -0.0828, "margin_text_coverage": 1.1316, "margin_intent": 1.2959, "margin_fuzzy": -0.0748, "margin_fuzzy_squared": 0.7250, "margin_unexplained": -0.5292, "margin_rarest_unexplained": 0.4081, "margin_bag_mixed": 1.4288, "margin_key_missing": -0.2578, "margin_scope_gap": 1.1758, "margin_post_gap": -0.7430, "margin_date_gap": -0.4432, "long_text": 0.0553, "long_bag": 0.6529, "long_answer": 1.0621, "long_text_squared": -0.2038, "long_bag_x_text": -0.1087, "long_question_coverage": -0.0643, "long_text_coverage": 0.7186, "long_intent": 0.4769, "long_fuzzy": 0.3187, "long_fuzzy_squared": 0.7790, "long_unexplained": -0.9039, "long_rarest_unexplained": 0.3657, "long_bag_mixed": 1.0804, "long_key_missing": 0.2465, "long_scope_gap": -0.6712, "long_post_gap": 0.1647, "long_date_gap": -1.4971}
NONE_WEIGHTS = {"bias": 1.5794, "unknown": 1.6285, "brevity": 0.1161, "length": -0.1044}
ANSWER = 0.74
LEAD = 0.6
LEAD_RATIO = 5.0
SUGGEST = 0.01
NONE_LIMIT = 0.9
