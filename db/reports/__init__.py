"""Report queries over a hall's history, built on the definitions of :mod:`hall.reports`.

Why daily rollups. A year of a busy hall is ~3 M tickets, services and ratings; exact percentiles over that many
raw rows take far too long on SQLite. So every *closed* business day is reduced once to one stored row per
(dimension, key) for the grouping dimensions hall, category, item, window, clerk, department and hour: additive
counters plus two sparse histograms (waiting and service time). Day, week, month and weekday rows are the hall
rows of their days. A report reads the rollups of its closed days and aggregates the open days (today) live from
raw rows with the *same* code, so a closed day from its rollup equals the same day computed live.

The modules, each importing only those listed before it:
- ``histogram``: time bins, sparse histograms and the percentiles read from them;
- ``figures``: the additive figures of one report row, and the service facts they count;
- ``context``: the hall's settings, today and names, loaded once per report;
- ``keys``: the stored dimensions, row keys and their labels;
- ``live``: figures aggregated from raw rows (open days, and closed days as they are rolled up);
- ``rollups``: building closed days' rollups and forgetting stale ones;
- ``rollup_reads``: which stored rows a (filtered) report reads, and their sums;
- ``records``: the 好差评 records for the rating platform;
- ``queries``: :class:`~db.reports.queries.ReportQueries`, what the server, the command line and the tools call.

Nothing is re-exported here: callers import from the module that owns a name, and no module here imports this
package's ``__init__``.
"""
