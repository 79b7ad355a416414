"""Sellers: application, review, staff, deposit requirement (and later balances)."""
