"""shoprules Excel 加载项 — thin xlwings layer (UDFs and ribbon handlers)."""
