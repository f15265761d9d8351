"""Consolidation: group sourced order lines into purchase orders.

A buyer sends one purchase order per supplier, delivery date and blanket agreement: lines
released against agreement BA-7 go on a PO of their own (the release), lines bought outside any
agreement share one PO per supplier and delivery date. :func:`consolidate` stamps each line with
its ``po_key`` and its ``line_no`` on that PO; :func:`po_headers` gives one row per PO::

    lines = consolidate(source_requirements(requirements, offers, as_of=today))
    headers = po_headers(lines)

``po_key`` numbers the POs 0, 1, 2 ... in the order of supplier id, delivery date and agreement
id (the PO without agreement first), so the same lines always give the same keys. Lines are
numbered 1..n inside a PO by item id, then requirement id. Unsourced lines (no supplier) are
kept, last, with a null ``po_key`` and ``line_no``: they go to a buyer, not on a PO.
"""

from __future__ import annotations

import polars as pl

from takt.errors import InvalidInputError
from takt.replenish._frames import date_column, id_column, labeller, require_columns

LINE_COLUMNS = ("requirement_id", "item_id", "supplier_id", "agreement_id", "delivery_date")
HEADER_LINE_COLUMNS = (*LINE_COLUMNS, "order_date", "value")
HEADER_COLUMNS = (
    "po_key",
    "supplier_id",
    "agreement_id",
    "order_date",
    "delivery_date",
    "lines",
    "value",
)
_PO = ("supplier_id", "delivery_date", "agreement_id")


def consolidate(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines with ``po_key`` (Int64) and ``line_no`` (Int64) added, sorted by PO and line.

    Parameters
    ----------
    lines : pl.DataFrame
        Order lines, as :func:`~takt.replenish.sourcing.source_requirements` gives them; needs
        ``requirement_id``, ``item_id``, ``supplier_id`` (null = unsourced), ``agreement_id``
        (null = not a release) and ``delivery_date`` (required where a supplier is set). Other
        columns are carried along unchanged; a ``po_key`` or ``line_no`` already there is
        replaced.

    Returns
    -------
    pl.DataFrame
        Every input row once, sourced lines ordered by ``po_key`` then ``line_no``, unsourced
        lines after them in their input order (null ``po_key`` and ``line_no``).

    Raises
    ------
    InvalidInputError
        A missing column, a non-integer id, a sourced line without a delivery date.
    """
    frame = require_columns(lines, "lines", LINE_COLUMNS)
    frame = frame.drop("po_key", "line_no", strict=False)
    name = "lines"
    keys = pl.DataFrame(
        {
            "requirement_id": id_column(frame, name, "requirement_id"),
            "item_id": id_column(frame, name, "item_id"),
            "supplier_id": id_column(frame, name, "supplier_id", nullable=True),
            "agreement_id": id_column(frame, name, "agreement_id", nullable=True),
            "delivery_date": date_column(frame, name, "delivery_date", nullable=True),
        }
    )
    sourced = keys.get_column("supplier_id").is_not_null()
    undated = sourced & keys.get_column("delivery_date").is_null()
    if undated.any():
        row = int(undated.arg_true()[0])
        label = labeller(frame, "requirement_id", "supplier_id")(row)
        raise InvalidInputError(
            f"lines.delivery_date must be set on a sourced line (row {row}, {label})"
        )
    rows = keys.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    # Supplier, then delivery date, then agreement with the PO outside any agreement (null)
    # first; inside a PO by item, then requirement, then input order.
    on_po = rows.filter(sourced).sort(*_PO, "item_id", "requirement_id", "_row", nulls_last=False)
    new_po = pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in _PO)
    on_po = on_po.with_columns(po_key=new_po.fill_null(True).cast(pl.Int64).cum_sum() - 1)
    on_po = on_po.with_columns(line_no=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("po_key"))
    off_po = rows.filter(~sourced).with_columns(
        po_key=pl.lit(None, pl.Int64), line_no=pl.lit(None, pl.Int64)
    )
    numbered = pl.concat([on_po, off_po])
    return frame[numbered.get_column("_row")].with_columns(
        numbered.get_column("po_key"), numbered.get_column("line_no")
    )


def po_headers(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per purchase order: :data:`HEADER_COLUMNS`, ordered by ``po_key``.

    ``order_date`` is the earliest order date of the PO's lines (the PO goes out when its
    first line must), ``lines`` the number of lines, ``value`` their total. ``lines`` may come
    from :func:`consolidate` (with ``po_key``) or straight from sourcing (consolidated first);
    they need ``order_date`` and ``value`` besides the columns :func:`consolidate` reads.
    Unsourced lines are not on any PO.
    """
    frame = require_columns(lines, "lines", HEADER_LINE_COLUMNS)
    if "po_key" not in frame.columns or "line_no" not in frame.columns:
        frame = consolidate(frame)
    order_date = date_column(frame, "lines", "order_date", nullable=True)
    value = frame.get_column("value")
    if not value.dtype.is_numeric():
        raise InvalidInputError(f"lines.value must be numeric (got {value.dtype})")
    return (
        frame.select(
            pl.col("po_key").cast(pl.Int64),
            pl.col("supplier_id").cast(pl.Int64),
            pl.col("agreement_id").cast(pl.Int64),
            pl.col("delivery_date"),
            order_date.alias("order_date"),
            value.cast(pl.Float64).alias("value"),
        )
        .filter(pl.col("po_key").is_not_null())
        .group_by("po_key")
        .agg(
            pl.col("supplier_id").first(),
            pl.col("agreement_id").first(),
            pl.col("order_date").min(),
            pl.col("delivery_date").first(),
            pl.len().cast(pl.Int64).alias("lines"),
            pl.col("value").sum(),
        )
        .sort("po_key")
        .select(HEADER_COLUMNS)
    )
