"""``hallq seed-history``: realistic synthetic history for reports, demos and benchmarks."""
