"""Writes of the orders domain, one module per area.

Import from the module (``orders.services.checkout.place_order``) so grep finds what
runs.
"""
