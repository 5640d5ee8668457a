from tui_orders.cli import main

main()
