"""The data layer: models, rules and reports. Never imports textual (checked by import-linter)."""
