"""Report queries over a hall's history: see :mod:`db.reports.queries`."""
