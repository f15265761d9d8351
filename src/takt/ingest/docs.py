"""Render ``docs/data-formats.md`` from the file specs: ``python -m takt.ingest.docs``."""

from __future__ import annotations

from takt.ingest.specs import LOAD_ORDER, SPECS, Column

HEADER = """# Import file formats

Generated from `src/takt/ingest/specs.py` by `make docs`; a test keeps this page and
the code in step. Every kind has an example under `examples/`.

```
takt import <kind> FILE [--encoding latin-1] [--sheet NAME] [--map COLUMN=HEADER ...]
takt import demand-series FILE --period day|week|month [--create-items]
```

- **Files**: CSV (`,` or `;` separated, UTF-8 with or without BOM; other encodings
  with `--encoding`), TSV, Parquet, Excel (`.xlsx`, first sheet or `--sheet`).
- **Column names** match case-insensitively; spaces, dashes and dots count as `_`;
  the aliases listed are accepted too, and `--map sku=series_id` maps any other header.
  Columns Takt does not know are ignored and listed in the result.
- **Values**: numbers with a `.` decimal point; dates `YYYY-MM-DD` (also `DD.MM.YYYY`);
  date-times ISO 8601 (`2026-03-01T14:30:00Z`, offsets converted to UTC, no zone = UTC);
  enumerations case-insensitive. An empty cell takes the default.
- **All or nothing**: one file is one transaction. Every problem found (up to 50 shown,
  all counted) is reported as `file, row N, column 'x': what is wrong`; the command
  exits with code 1 and nothing of the file is written.
- **Re-import**: master data (items, suppliers, offers, agreements, inventory, risk
  events) is updated in place; signals, purchase orders and receipts already stored
  with the same key are skipped, and the same key with different content is an error.
- **Load order** (references must exist first): {order}.
"""


def _column_row(col: Column) -> str:
    kind: str = col.type
    if col.enum is not None:
        kind = " / ".join(m.value for m in col.enum)
    rules = []
    if col.minimum is not None:
        rules.append(f"{'>' if col.exclusive_minimum else '≥'} {col.minimum:g}")
    if col.maximum is not None:
        rules.append(f"≤ {col.maximum:g}")
    if col.max_length is not None:
        rules.append(f"≤ {col.max_length} chars")
    default = "" if col.default in (None, "") else f"`{col.default}`"
    aliases = ", ".join(f"`{a}`" for a in col.aliases)
    required = "yes" if col.required else "no"
    doc = col.doc.replace("|", "\\|")
    return (
        f"| `{col.name}` | {required} | {kind} | {', '.join(rules)} | {default} "
        f"| {aliases} | {doc} |"
    )


def render() -> str:
    parts = [HEADER.format(order=" → ".join(f"`{k}`" for k in LOAD_ORDER))]
    for kind in LOAD_ORDER:
        spec = SPECS[kind]
        parts.append(f"\n## `{kind}`\n\n{spec.doc}\n")
        parts.append(
            f"Unique per file: {', '.join(f'`{k}`' for k in spec.key)}. "
            f"Example: [`examples/{kind}.csv`](../examples/{kind}.csv).\n"
        )
        parts.append("| column | required | type | rule | default | aliases | meaning |")
        parts.append("|---|---|---|---|---|---|---|")
        parts.extend(_column_row(c) for c in spec.columns)
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
