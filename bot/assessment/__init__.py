"""The pathway assessment: explainable verdicts from a versioned ruleset."""
