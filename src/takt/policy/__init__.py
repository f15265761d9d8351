"""Policy engine: turns signals (demand, lead time, costs, service targets) into policy
parameters (SS, ROP, S, Q, kanbans). Pure computation over arrays; no database, no clock.

The formulas are in :mod:`takt.policy.formulas`.
"""
