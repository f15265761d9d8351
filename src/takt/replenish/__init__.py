"""Replenishment engine: inventory position, plan, sourcing, consolidation, approval and the
purchase-order lifecycle. Pure: frames and arrays in, frames out; no database, no clock."""
