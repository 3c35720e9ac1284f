"""Carts on the `cache` session engine across a Redis restart: the README says they may be
lost (the session lives in Redis alone); this counts how many, after the main run."""

import requests

CARTS = 20
TIMEOUT = 20


def carts_lost_on_redis_restart(env: dict, svc, workdir, product_id: int) -> tuple[int, int]:
    """(carts lost, carts made): CARTS guest carts on one server with SESSION_ENGINE=cache,
    Redis restarted (as the fault schedule does), each cart read back."""
    from tests.services.servers import AppServer, free_ports, start_all, stop_all

    engine = {**env, "SESSION_ENGINE": "django.contrib.sessions.backends.cache"}
    server = AppServer(free_ports(1)[0], engine, workdir / "server-cache-engine.log", workers=1)
    shoppers = []
    try:
        start_all([server])
        for n in range(CARTS):
            shopper = requests.Session()
            shopper.headers["X-Forwarded-For"] = f"198.51.100.{n + 1}"
            body = {"product_id": product_id, "quantity": 1}
            added = shopper.post(f"{server.url}/api/cart/items", json=body, timeout=TIMEOUT)
            added.raise_for_status()
            shoppers.append(shopper)
        svc.run("restart-redis")
        kept = sum(
            bool(shopper.get(f"{server.url}/api/cart", timeout=TIMEOUT).json().get("items"))
            for shopper in shoppers
        )
        return CARTS - kept, CARTS
    finally:
        stop_all([server])
        for shopper in shoppers:
            shopper.close()
