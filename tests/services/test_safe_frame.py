"""CSV exports of whole frames are safe from formula injection, numbers stay numbers."""

from __future__ import annotations

import polars as pl

from takt.services.exports import safe_cell, safe_frame


def test_text_that_a_spreadsheet_would_run_is_quoted_like_safe_cell() -> None:
    texts = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "A-1", "ok", None]
    frame = pl.DataFrame({"reason": texts, "qty": [-5.0] * len(texts)})
    safe = safe_frame(frame)
    expected = [safe_cell(t) if t is not None else None for t in texts]
    assert safe["reason"].to_list() == expected
    assert safe["qty"].to_list() == [-5.0] * len(texts)  # numbers are not text: untouched
