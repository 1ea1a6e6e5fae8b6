"""shoprules 读写工作簿 — readers, batch recompute, audit export and the CLI."""
