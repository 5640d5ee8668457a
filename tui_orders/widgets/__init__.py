"""Reusable widgets (each carries its DEFAULT_CSS)."""
