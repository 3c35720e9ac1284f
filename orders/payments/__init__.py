"""Payments and refunds of orders: the gateway, charging, refunding, reconciling, and
their pages, API and admin."""
