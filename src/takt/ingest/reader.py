"""Read an import file (CSV, Parquet, Excel) into a Polars frame, or say exactly why not."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from takt.errors import ImportValidationError, InputProblem

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


@dataclass(frozen=True, slots=True)
class RawTable:
    """A file's rows before validation.

    ``first_row`` is the row number a person sees for the first data row (2 when the
    file has a header line, 1 for Parquet).
    """

    frame: pl.DataFrame
    file: str
    first_row: int
    sha256: str


def _fail(file: str, message: str, row: int | None = None) -> ImportValidationError:
    return ImportValidationError([InputProblem(file, row, None, message)])


def read_table(path: str | Path, *, encoding: str = "utf-8", sheet: str | None = None) -> RawTable:
    """Read ``path``; the format comes from the suffix.

    Raises :class:`ImportValidationError` for a missing, empty, undecodable or
    malformed file, naming the file (and the line, where one is known).
    """
    path = Path(path)
    name = str(path)
    if path.is_dir():
        return _read_parquet_parts(path)
    if not path.is_file():
        raise _fail(name, "file not found")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise _fail(name, "file is empty")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame = _read_csv(data, name, encoding, tab=suffix == ".tsv")
        first_row = 2
    elif suffix in PARQUET_SUFFIXES:
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:  # polars raises several types for corrupt files
            raise _fail(name, f"not a readable Parquet file: {exc}") from exc
        first_row = 1
    elif suffix in EXCEL_SUFFIXES:
        frame = _read_excel(path, name, sheet)
        first_row = 2
    else:
        raise _fail(
            name,
            f"unknown file type {suffix or '(none)'!r}: use .csv, .tsv, .parquet or .xlsx",
        )
    if frame.height == 0:
        raise _fail(name, "file has a header but no data rows")
    return RawTable(frame=frame, file=name, first_row=first_row, sha256=digest)


def _read_parquet_parts(folder: Path) -> RawTable:
    """A directory of Parquet part files (as ``takt demo-data --format parquet`` writes),
    read as one table; rows are numbered across the parts in name order."""
    parts = sorted(folder.glob("*.parquet"))
    if not parts:
        raise _fail(str(folder), "directory holds no .parquet files")
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes())
    try:
        frame = pl.read_parquet(parts)
    except Exception as exc:  # polars raises several types for corrupt files
        raise _fail(str(folder), f"not readable Parquet parts: {exc}") from exc
    if frame.height == 0:
        raise _fail(str(folder), "no data rows")
    return RawTable(frame=frame, file=str(folder), first_row=1, sha256=digest.hexdigest())


def _read_csv(data: bytes, name: str, encoding: str, *, tab: bool) -> pl.DataFrame:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fail(
            name,
            f"not valid {encoding} text at byte {exc.start} (line {line}): "
            f"{data[exc.start : exc.start + 1]!r}; save the file as UTF-8 "
            "or pass --encoding (e.g. --encoding latin-1)",
            row=line,
        ) from exc
    except LookupError as exc:
        raise _fail(name, f"unknown encoding {encoding!r}") from exc
    header = text.split("\n", 1)[0]
    separator = "\t" if tab or header.count("\t") > header.count(",") else ","
    if separator == "," and header.count(";") > header.count(","):
        separator = ";"  # European Excel exports
    try:
        return pl.read_csv(
            io.StringIO(text),
            separator=separator,
            infer_schema=False,
        )
    except pl.exceptions.NoDataError as exc:
        raise _fail(name, "file is empty") from exc
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise _fail(name, f"malformed CSV: {str(exc).splitlines()[0]}") from exc


def _read_excel(path: Path, name: str, sheet: str | None) -> pl.DataFrame:
    try:
        if sheet is None:
            return pl.read_excel(path, sheet_id=1)
        return pl.read_excel(path, sheet_name=sheet)
    except Exception as exc:  # fastexcel raises its own error types
        raise _fail(name, f"cannot read the workbook: {str(exc).splitlines()[0]}") from exc
