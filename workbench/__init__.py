"""The tools for trying out and measuring a hall: the demo, the policy simulator, synthetic
history and the benchmarks. The ``hallq`` command only wires them; the programs and the server
never import them (import-linter keeps it so)."""
