"""The schema version this tui-orders reads and writes (see :mod:`tui_orders.data.schema`).

A module of its own, with no imports: the start-up read of the order list
(:mod:`tui_orders.data.quickstart`) checks it without importing the models.
"""

SCHEMA_VERSION = 3
