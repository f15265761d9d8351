"""Signals engines: demand classification, forecasts with tracked accuracy, lead-time
models and supplier scorecards. Pure computation over arrays; no database, no clock."""
