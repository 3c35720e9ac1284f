"""Accounts endpoints of the JSON API (mounted under /api by shop/api.py)."""

from ninja import Router

router = Router(tags=["accounts"])
