"""Written by bench/train_ranker.py; do not edit by hand (run it again after changing the FAQ a lot).

Trained on 1995 held-out variants, 89 out-of-scope questions, 353 in-scope and 212 out-of-scope messages (54 entries, 2026-11-29).
Thresholds: answer 0.75 (or lead 0.65 at 6.0x the runner-up and none) suggest 0.01 none_limit 0.9. Cross-validated there:
  variants: top1 0.710  ranked_first 0.871  reachable 0.964  wrong 0.030  oos_answered 0.000  oos_offered 0.000
  out-of-scope: top1 0.000  ranked_first 0.000  reachable 0.000  wrong 0.000  oos_answered 0.011  oos_offered 0.169
  messages: top1 0.768  ranked_first 0.941  reachable 0.980  wrong 0.006  oos_answered 0.014  oos_offered 0.340
"""

ENTRY_WEIGHTS = {"text": 0.3019, "bag": 0.2044, "answer": 1.1224, "text_squared": 0.1649, "bag_x_text": -0.2291, "question_coverage": -0.3031, "text_coverage": 2.1929, "intent": -0.6075, "fuzzy": 0.3874, "fuzzy_squared": 1.8232, "unexplained": -1.9324, "rarest_unexplained": 0.0113, "bag_mixed": 1.0964, "key_missing": -2.4246, "scope_gap": -4.6708, "post_gap": -0.9941, "date_gap": -3.0911, "margin_text": 0.6199, "margin_bag": 0.9070, "margin_answer": 1.4045, "margin_text_squared": 0.1781, "margin_bag_x_text": -0.2731, "margin_question_coverage": 0.0098, "margin_text_coverage": 0.8483, "margin_intent": 1.3118, "margin_fuzzy": -0.1355, "margin_fuzzy_squared": 0.7136, "margin_unexplained": -0.8404, "margin_rarest_unexplained": 0.4576, "margin_bag_mixed": 1.6765, "margin_key_missing": -0.2961, "margin_scope_gap": 1.0044, "margin_post_gap": -0.6691, "margin_date_gap": -0.5323}
NONE_WEIGHTS = {"bias": 1.4501, "unknown": 1.7474, "brevity": 0.9991}
ANSWER = 0.75
LEAD = 0.65
LEAD_RATIO = 6.0
SUGGEST = 0.01
NONE_LIMIT = 0.9
