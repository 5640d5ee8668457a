"""tui-orders: customer orders from the signed contract to the last payment and shipment."""

__version__ = "0.1.0"
