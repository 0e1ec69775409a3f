"""Reading stored rollups into a report: which stored rows a report can be read from, and their sum per row.

Reports filtered by one field (category, window, clerk or department) use the rollups of that field's rows when
the report is by time or by that same field; any other filtered report is aggregated live over its (filtered,
hence smaller) raw rows.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from db.models import ReportRollup
from db.reports.context import ReportContext
from db.reports.figures import RollupSum
from db.reports.keys import FILTER_DIMENSIONS, TIME_DIMENSIONS, time_key
from hall.reports import Dimension, ReportRequest


def rollup_source(request: ReportRequest, source_dimension: Dimension) -> tuple[Dimension, str | None] | None:
    """The stored dimension (and key, when filtered to one) a report's closed days are read from, or None when its
    filter and grouping have no stored rows. ``source_dimension`` is the grouping (the hall for reports by time)."""
    wanted = request.filter
    set_filters = [name for name in FILTER_DIMENSIONS if getattr(wanted, name) is not None]
    if not set_filters:
        return source_dimension, None
    if len(set_filters) == 1:
        filter_dimension = FILTER_DIMENSIONS[set_filters[0]]
        if source_dimension in (Dimension.HALL, filter_dimension):
            return filter_dimension, str(getattr(wanted, set_filters[0]))
    return None


def load_rollups(
    session: Session,
    context: ReportContext,
    request: ReportRequest,
    end: date,
    dimension: Dimension,
    key: str | None,
    row_sums: dict[str, RollupSum],
    total_sum: RollupSum,
) -> None:
    """Sum the stored rows of ``dimension`` (only ``key`` when the report is filtered to it) into the report's
    rows, and the hall rows into the total. A year by clerk is ~35 k stored rows: they are read as plain tuples
    and added straight into one running sum per report row (no figures object per stored row)."""
    by = request.by
    by_time = by in TIME_DIMENSIONS
    query = select(
        ReportRollup.business_day,
        ReportRollup.dimension,
        ReportRollup.key,
        cast(ReportRollup.counters, Text),  # decoded here, with no per-value type processing on the way
        ReportRollup.wait_histogram,
        ReportRollup.service_histogram,
    ).where(ReportRollup.hall_id == context.hall_id, ReportRollup.business_day.between(request.start, end))
    if key is not None:
        # Filtered to one key: the key's own rows are both the rows and the total.
        query = query.where(ReportRollup.dimension == dimension.value, ReportRollup.key == key)
    else:
        query = query.where(ReportRollup.dimension.in_(sorted({dimension.value, Dimension.HALL.value})))
    hall = Dimension.HALL.value
    time_keys: dict[date, str] = {}
    rows = session.connection().execute(query.order_by(ReportRollup.business_day, ReportRollup.dimension, ReportRollup.key)).all()
    for day, dimension_name, stored_key, counters_json, wait_blob, service_blob in rows:
        counters = json.loads(counters_json)
        is_total = key is not None or dimension_name == hall
        if is_total:
            total_sum.add(counters, wait_blob, service_blob)
        if by_time:
            if not is_total:
                continue
            row_key = time_keys.get(day)
            if row_key is None:
                row_key = time_keys[day] = time_key(by, day)
        elif key is None and dimension_name == hall:
            continue
        else:
            row_key = stored_key
        summed = row_sums.get(row_key)
        if summed is None:
            summed = row_sums[row_key] = RollupSum()
        summed.add(counters, wait_blob, service_blob)
