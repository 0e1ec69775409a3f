"""``hallq bench WHAT``: one module per benchmark, each with ``main(args) -> str`` (the figures)."""
