"""Services: orchestration over the store (transactions, progress); no web framework imports."""
