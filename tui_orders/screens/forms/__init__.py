"""The modal forms of an order's parts: items, payment terms, documents, payments."""
