"""shoprules 规则引擎 — the rules engine (pure, no Excel, no files beyond the packaged rulebook)."""
