"""Accounts fixtures: a clean cache, so that sign-in throttle counters never leak."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()
