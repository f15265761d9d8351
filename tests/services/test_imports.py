"""Import service: each importer with a good file, and each kind of bad input rejected
with its file/row/column named and the database left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from takt.domain.enums import Grain, InspectionResult, PurchaseOrderStatus
from takt.errors import ImportValidationError, StoreError
from takt.ingest.specs import LOAD_ORDER
from takt.services.imports import ImportOptions, import_file, import_frame
from takt.store.models import (
    AgreementLineRow,
    DemandBucketRow,
    ImportRunRow,
    InventoryRow,
    ItemRow,
    OfferRow,
    PurchaseOrderEventRow,
    PurchaseOrderLineRow,
    ReceiptRow,
    SignalRow,
)
from tests.services.conftest import load_examples, snapshot


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rejected(engine: Engine, kind: str, path: Path, **kw: object) -> ImportValidationError:
    """Import ``path`` expecting rejection; assert nothing in the database changed."""
    before = snapshot(engine)
    with pytest.raises(ImportValidationError) as info:
        import_file(engine, kind, path, **kw)  # type: ignore[arg-type]
    assert snapshot(engine) == before, "a rejected import must not write anything"
    return info.value


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


# ------------------------------------------------------------------ good files


def test_every_example_file_imports_and_reimport_changes_nothing(engine: Engine) -> None:
    first = load_examples(engine)
    assert set(first) == set(LOAD_ORDER)
    for kind, result in first.items():
        assert result.rows > 0 and result.inserted == result.rows, kind
    state = snapshot(engine)
    second = load_examples(engine)
    for kind, result in second.items():
        assert (result.inserted, result.updated, result.unchanged) == (0, 0, result.rows), kind
    after = snapshot(engine)
    del state["import_runs"], after["import_runs"]
    assert after == state
    assert count(engine, ImportRunRow) == 2 * len(LOAD_ORDER)


def test_imported_values_are_stored_as_given(engine: Engine) -> None:
    load_examples(engine)
    with engine.connect() as conn:
        offer = conn.execute(
            select(OfferRow)
            .join(ItemRow, ItemRow.id == OfferRow.item_id)
            .where(ItemRow.sku == "P-100", OfferRow.role == "primary")
        ).one()
        assert offer.moq == 1000 and offer.pack_multiple == 500
        assert offer.allocation_share == pytest.approx(0.7)
        assert offer.delivery_weekdays == 0b10101  # Mon, Wed, Fri
        assert offer.price_breaks == [
            {"min_qty": 1000.0, "unit_price": "0.08"},
            {"min_qty": 10000.0, "unit_price": "0.07"},
        ]
        line = conn.execute(
            select(AgreementLineRow).where(AgreementLineRow.item_id == offer.item_id)
        ).one()
        assert (line.committed_qty, line.released_qty) == (400000, 310000)
        receipt = conn.execute(select(ReceiptRow).where(ReceiptRow.number == "GR-0002")).one()
        assert receipt.inspection == InspectionResult.PARTIAL and receipt.qty_rejected == 6
        inv = conn.execute(
            select(InventoryRow.on_hand, InventoryRow.backordered)
            .join(ItemRow)
            .where(ItemRow.sku == "P-300")
        ).one()
        assert tuple(inv) == (3, 1)
        events = conn.execute(
            select(PurchaseOrderEventRow.action, PurchaseOrderEventRow.to_status)
        ).all()
        assert len(events) == 3 and {e.action for e in events} == {"imported"}


def test_signals_add_to_daily_buckets_once(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="signals")
    path = write(
        tmp_path / "s.csv",
        (
            "sku,location,timestamp,qty,source\n"
            "P-100,PLANT-1,2026-11-02T07:00:00Z,10,production\n"
            "P-100,PLANT-1,2026-11-02T23:30:00-02:00,5,kanban\n"  # 01:30 UTC on the 3rd
            "P-100,PLANT-1,2026-11-02T07:00:00Z,10,production\n"  # identical event, second one
        ),
    )
    result = import_file(engine, "signals", path)
    assert result.inserted == 3  # keys derived from content and occurrence
    again = import_file(engine, "signals", path)
    assert (again.inserted, again.unchanged) == (0, 3)
    with engine.connect() as conn:
        buckets = dict(
            conn.execute(
                select(DemandBucketRow.period_start, DemandBucketRow.qty).where(
                    DemandBucketRow.grain == Grain.DAY
                )
            ).all()
        )
    assert {str(k): v for k, v in buckets.items()} == {"2026-11-02": 20.0, "2026-11-03": 5.0}


def test_columns_match_case_insensitively_and_by_alias(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "items.csv", " SKU ,Plant,Unit Cost,CATEGORY,Extra\nA-1,P1,1.5,Direct,x\n"
    )
    result = import_file(engine, "items", path)
    assert result.inserted == 1 and result.ignored_columns == ["Extra"]
    with engine.connect() as conn:
        row = conn.execute(select(ItemRow.sku, ItemRow.location, ItemRow.category)).one()
    assert tuple(row) == ("A-1", "P1", "direct")


def test_reimport_updates_changed_master_data(engine: Engine, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "sku,unit_cost,category\nA,1,direct\nB,2,mro\n")
    import_file(engine, "items", tmp_path / "a.csv")
    write(tmp_path / "b.csv", "sku,unit_cost,category\nA,1,direct\nB,2.5,mro\nC,3,indirect\n")
    result = import_file(engine, "items", tmp_path / "b.csv")
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 1)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".tsv"])
def test_parquet_excel_and_tsv_files(
    engine: Engine, tmp_path: Path, examples: Path, suffix: str
) -> None:
    frame = pl.read_csv(examples / "items.csv", infer_schema=False)
    path = tmp_path / f"items{suffix}"
    if suffix == ".parquet":
        frame.with_columns(pl.col("unit_cost").cast(pl.Float64)).write_parquet(path)
    elif suffix == ".xlsx":
        frame.with_columns(pl.col("unit_cost").cast(pl.Float64)).write_excel(path)
    else:
        frame.write_csv(path, separator="\t")
    assert import_file(engine, "items", path).inserted == frame.height


def test_excel_errors_name_the_sheet_row(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    pl.DataFrame(
        {"sku": ["A", "B"], "unit_cost": ["1", "lots"], "category": ["direct"] * 2}
    ).write_excel(path)
    error = rejected(engine, "items", path)
    assert str(error.problems[0]) == f"{path}, row 3, column 'unit_cost': not a number: 'lots'"


def test_import_frame_from_python(engine: Engine) -> None:
    frame = pl.DataFrame({"sku": ["A"], "unit_cost": [2.0], "category": ["mro"]})
    assert import_frame(engine, "items", frame, source="api").inserted == 1


def test_demand_series_on_real_carparts_data(engine: Engine, data_dir: Path) -> None:
    """The real carparts export (series_id, period, demand) loads through the aliases."""
    path = data_dir / "carparts.csv"
    options = ImportOptions(grain=Grain.MONTH, create_items=True)
    result = import_file(engine, "demand-series", path, options=options)
    assert result.rows == 130_252 and result.inserted == 130_252
    assert "2674 new item(s) created (direct)" in result.notes
    assert count(engine, ItemRow) == 2674
    again = import_file(engine, "demand-series", path, options=options)
    assert (again.inserted, again.unchanged) == (0, 130_252)
    with engine.connect() as conn:
        total = conn.execute(select(func.sum(DemandBucketRow.qty))).scalar_one()
    assert total == pl.read_csv(path)["demand"].sum()


def test_weekly_series_normalised_to_monday(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "items", write(tmp_path / "i.csv", "sku,unit_cost,category\nA,1,direct\n"))
    path = write(tmp_path / "w.csv", "item,period,qty\nA,2026-11-04,5\nA,2026-11-11,7\n")
    import_file(engine, "demand-series", path, options=ImportOptions(grain=Grain.WEEK))
    with engine.connect() as conn:
        periods = [str(p) for p in conn.execute(select(DemandBucketRow.period_start)).scalars()]
    assert sorted(periods) == ["2026-11-02", "2026-11-09"]


# ------------------------------------------------------------------ bad input


def test_missing_required_column(engine: Engine, tmp_path: Path) -> None:
    error = rejected(engine, "items", write(tmp_path / "i.csv", "sku,unit_cost\nA,1\n"))
    assert str(error.problems[0]) == (
        f"{tmp_path / 'i.csv'}, column 'category': required column is missing"
    )


def test_unknown_item_and_unknown_supplier(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="offers")
    path = write(
        tmp_path / "o.csv",
        (
            "supplier,sku,location,lead_time_days,unit_price\n"
            "S-FAST,P-100,PLANT-1,5,0.08\n"
            "S-NOPE,P-101,PLANT-1,5,1\n"
            "S-FAST,P-999,PLANT-1,5,1\n"
        ),
    )
    error = rejected(engine, "offers", path)
    messages = [str(p) for p in error.problems]
    assert (
        f"{path}, row 3, column 'supplier': unknown supplier 'S-NOPE' (import suppliers first)"
        in messages
    )
    assert (
        f"{path}, row 4, column 'sku': unknown item 'P-999' at location 'PLANT-1' "
        "(import items first)"
    ) in messages


def test_negative_quantity(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="signals")
    path = write(tmp_path / "s.csv", "sku,location,timestamp,qty\nP-100,PLANT-1,2026-11-02,-5\n")
    error = rejected(engine, "signals", path)
    assert str(error.problems[0]) == f"{path}, row 2, column 'qty': must be at least 0: -5"


def test_non_numeric_quantity(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="inventory")
    path = write(tmp_path / "inv.csv", "sku,location,on_hand\nP-100,PLANT-1,lots\n")
    error = rejected(engine, "inventory", path)
    assert str(error.problems[0]) == f"{path}, row 2, column 'on_hand': not a number: 'lots'"


def test_unparseable_dates(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="purchase-orders")
    path = write(
        tmp_path / "po.csv",
        (
            "po,supplier,line,sku,location,qty,unit_price,order_date\n"
            "PO-9,S-FAST,1,P-100,PLANT-1,10,1,2026-02-31\n"
            "PO-9,S-FAST,2,P-102,PLANT-1,10,1,yesterday\n"
        ),
    )
    error = rejected(engine, "purchase-orders", path)
    assert [str(p) for p in error.problems][:2] == [
        f"{path}, row 2, column 'order_date': not a date (use YYYY-MM-DD): '2026-02-31'",
        f"{path}, row 3, column 'order_date': not a date (use YYYY-MM-DD): 'yesterday'",
    ]
    ts = write(tmp_path / "s.csv", "sku,location,timestamp,qty\nP-100,PLANT-1,noon,1\n")
    error = rejected(engine, "signals", ts)
    assert "column 'timestamp': not a date-time" in str(error.problems[0])


def test_duplicate_key(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", "sku,unit_cost,category\nA,1,direct\nB,1,direct\nA,2,mro\n")
    error = rejected(engine, "items", path)
    assert str(error.problems[0]) == (
        f"{path}, row 4, column 'sku, location': duplicate key (sku='A', location='MAIN'), "
        "first seen in row 2"
    )


def test_empty_file_and_header_only(engine: Engine, tmp_path: Path) -> None:
    error = rejected(engine, "items", write(tmp_path / "e.csv", ""))
    assert str(error) == f"{tmp_path / 'e.csv'}: file is empty"
    error = rejected(engine, "items", write(tmp_path / "h.csv", "sku,unit_cost,category\n"))
    assert str(error) == f"{tmp_path / 'h.csv'}: file has a header but no data rows"


def test_wrong_encoding_then_right_encoding(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("sku,description,unit_cost,category\nA,Schlüssel,1,direct\n".encode("latin-1"))
    error = rejected(engine, "items", path)
    assert str(error.problems[0]).startswith(
        f"{path}, row 2: not valid utf-8 text at byte 41 (line 2)"
    )
    assert "--encoding" in str(error.problems[0])
    assert import_file(engine, "items", path, encoding="latin-1").inserted == 1
    with engine.connect() as conn:
        assert conn.execute(select(ItemRow.description)).scalar_one() == "Schlüssel"


def test_every_problem_reported_up_to_the_cap(engine: Engine, tmp_path: Path) -> None:
    rows = "".join(f"X{i},bad,direct\n" for i in range(200))
    error = rejected(engine, "items", write(tmp_path / "i.csv", "sku,unit_cost,category\n" + rows))
    assert error.total == 200 and len(error.problems) == 50
    assert error.problems[-1].row == 51
    assert "... and 150 more problem(s) not shown" in error.report()


def test_one_bad_row_at_the_end_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    rows = "".join(f"X{i},1,direct\n" for i in range(5000)) + "LAST,1,unknown\n"
    error = rejected(engine, "items", write(tmp_path / "i.csv", "sku,unit_cost,category\n" + rows))
    assert error.problems[0].row == 5002
    assert count(engine, ItemRow) == 0


def test_crash_while_writing_leaves_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after some rows were sent to the database rolls the whole file back."""
    load_examples(engine, until="purchase-orders")
    from takt.services import loaders_documents

    real = loaders_documents.insert_rows

    def crash_on_lines(session, model, records):  # type: ignore[no-untyped-def]
        if model is PurchaseOrderLineRow:
            raise RuntimeError("disk full")
        real(session, model, records)

    monkeypatch.setattr(loaders_documents, "insert_rows", crash_on_lines)
    before = snapshot(engine)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(
            engine,
            "purchase-orders",
            Path(__file__).parents[2] / "examples" / "purchase-orders.csv",
        )
    assert snapshot(engine) == before


def test_signal_key_reused_for_another_event(
    engine: Engine, tmp_path: Path, examples: Path
) -> None:
    load_examples(engine)
    path = write(
        tmp_path / "s.csv",
        "key,sku,location,timestamp,qty,source\n"
        "WO-88121-10,P-100,PLANT-1,2026-11-02T07:15:00Z,999,production\n",
    )
    error = rejected(engine, "signals", path)
    assert "key 'WO-88121-10' is already stored for a different signal" in str(error.problems[0])


def test_purchase_order_reimport_with_other_content(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine)
    path = write(
        tmp_path / "po.csv",
        (
            "po,supplier,line,sku,location,qty,unit_price,order_date\n"
            "PO-26-0002,S-STEEL,1,P-101,PLANT-1,301,1.95,2026-10-25\n"
        ),
    )
    error = rejected(engine, "purchase-orders", path)
    assert "PO 'PO-26-0002' is already stored with other content" in str(error.problems[0])


def test_purchase_order_header_must_agree_and_agreement_supplier(
    engine: Engine, tmp_path: Path
) -> None:
    load_examples(engine, until="purchase-orders")
    path = write(
        tmp_path / "po.csv",
        (
            "po,supplier,line,sku,location,qty,unit_price,order_date,agreement\n"
            "PO-9,S-STEEL,1,P-101,PLANT-1,10,1,2026-11-01,\n"
            "PO-9,S-STEEL,2,P-101,PLANT-1,10,1,2026-11-02,\n"
            "PO-8,S-STEEL,1,P-101,PLANT-1,10,1,2026-11-02,BA-2026-001\n"
        ),
    )
    error = rejected(engine, "purchase-orders", path)
    messages = [str(p) for p in error.problems]
    assert (
        f"{path}, row 3, column 'order_date': datetime.date(2026, 11, 2) differs from "
        "datetime.date(2026, 11, 1) in row 2 of the same po 'PO-9'"
    ) in messages
    assert not any("BA-2026-001" in m for m in messages)  # reference checks run after row checks
    fixed = write(
        tmp_path / "po2.csv",
        (
            "po,supplier,line,sku,location,qty,unit_price,order_date,agreement\n"
            "PO-8,S-STEEL,1,P-101,PLANT-1,10,1,2026-11-02,BA-2026-001\n"
        ),
    )
    error = rejected(engine, "purchase-orders", fixed)
    assert "agreement 'BA-2026-001' belongs to another supplier than 'S-STEEL'" in str(error)


def test_receipt_checks(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="receipts")
    path = write(
        tmp_path / "r.csv",
        (
            "receipt,po,line,received_on,qty_received,qty_rejected,inspection\n"
            "GR-9,PO-26-0002,1,2026-11-12,100,120,\n"
            "GR-8,PO-26-0002,1,2026-11-12,100,5,accepted\n"
            "GR-7,PO-26-0002,9,2026-11-12,100,0,\n"
        ),
    )
    error = rejected(engine, "receipts", path)
    messages = [str(p) for p in error.problems]
    assert f"{path}, row 2, column 'qty_rejected': 120 rejected of 100" in messages
    assert (
        f"{path}, row 3, column 'inspection': 'accepted' does not match 5 rejected of 100 "
        "received (expected 'partial')"
    ) in messages
    ok = write(
        tmp_path / "ok.csv",
        "receipt,po,line,received_on,qty_received\nGR-7,PO-26-0002,9,2026-11-12,100\n",
    )
    error = rejected(engine, "receipts", ok)
    assert "unknown PO line 'PO-26-0002' line 9" in str(error)


def test_agreement_header_and_dates(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="agreements")
    path = write(
        tmp_path / "a.csv",
        (
            "agreement,supplier,start_date,end_date,sku,location,committed_qty,unit_price\n"
            "BA-1,S-FAST,2026-01-01,2025-12-31,P-100,PLANT-1,10,1\n"
            "BA-2,S-FAST,2026-01-01,2026-12-31,P-100,PLANT-1,10,1\n"
            "BA-2,S-STEEL,2026-01-01,2026-12-31,P-101,PLANT-1,10,1\n"
        ),
    )
    error = rejected(engine, "agreements", path)
    messages = [str(p) for p in error.problems]
    assert f"{path}, row 2, column 'end_date': ends before it starts (2026-01-01)" in messages
    assert (
        f"{path}, row 4, column 'supplier': 'S-STEEL' differs from 'S-FAST' in row 3 of the "
        "same agreement 'BA-2'"
    ) in messages


def test_risk_event_needs_supplier_or_region(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        "event,type,severity,start_date,expected_duration_days\nR1,fire,high,2026-11-01,10\n",
    )
    error = rejected(engine, "risk-events", path)
    assert (
        str(error.problems[0])
        == f"{path}, row 2, column 'supplier': give a supplier, a region or both"
    )


def test_bad_enum_weekday_and_price_breaks(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="offers")
    path = write(
        tmp_path / "o.csv",
        (
            "supplier,sku,location,lead_time_days,unit_price,role,delivery_weekdays,price_breaks,allocation_share\n"
            "S-FAST,P-100,PLANT-1,5.5,1,backup,Mon;Funday,100-4,1.5\n"
        ),
    )
    error = rejected(engine, "offers", path)
    messages = {p.column: p.message for p in error.problems}
    assert messages["lead_time_days"] == "not a whole number: '5.5'"
    assert messages["role"] == "unknown value 'backup' (expected one of: primary, alternate)"
    assert messages["delivery_weekdays"].startswith("unknown weekday 'funday'")
    assert messages["price_breaks"].startswith("price break '100-4' is not 'min_qty:price'")
    assert messages["allocation_share"] == "must be at most 1: 1.5"


def test_unknown_kind_and_unmigrated_database(engine: Engine, tmp_path: Path) -> None:
    from takt.errors import InvalidInputError
    from takt.store.db import make_engine

    with pytest.raises(InvalidInputError, match="unknown import kind 'widgets'"):
        import_file(engine, "widgets", tmp_path / "x.csv")
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    path = write(tmp_path / "i.csv", "sku,unit_cost,category\nA,1,direct\n")
    with pytest.raises(StoreError, match="run 'takt db upgrade'"):
        import_file(empty, "items", path)


def test_po_status_default_is_sent(engine: Engine, tmp_path: Path) -> None:
    load_examples(engine, until="purchase-orders")
    path = write(
        tmp_path / "po.csv",
        "po,supplier,line,sku,location,qty,unit_price,order_date\n"
        "PO-1,S-FAST,1,P-100,PLANT-1,10,1,2026-11-01\n",
    )
    import_file(engine, "purchase-orders", path)
    from takt.store.models import PurchaseOrderRow

    with engine.connect() as conn:
        assert (
            conn.execute(select(PurchaseOrderRow.status)).scalar_one() == PurchaseOrderStatus.SENT
        )
    assert count(engine, SignalRow) == 0
