"""Shipped word lists for the screen, and the script that regenerates them."""
