"""Order use cases: checkout, cancel, ship, expire, pay, refund (see the modules)."""
