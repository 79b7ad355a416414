"""The operator's face: review, rules, arbitration; web pages and /api/ops/."""
