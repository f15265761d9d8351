"""EDI engine: purchase orders out, acknowledgements, ship notices and invoices in.

Pure: text in, dataclasses out (and back). The services persist control numbers,
check partners and apply documents in one transaction.
"""
