"""gunicorn's settings for the shop, read from the directory gunicorn starts in (the
repository's root): `gunicorn shop.wsgi --workers N` picks them up; flags on the command
line win. See the README's "Production" section.
"""

# Seconds a request may run before its worker is killed and replaced (the client gets a
# 502 from the proxy). Above the slowest legitimate request: a payment waits for the
# gateway up to PAYMENT_GATEWAY_TIMEOUT (10 s), a statement up to DB_STATEMENT_TIMEOUT
# (30 s); a hung worker still cannot hold a slot for long.
timeout = 60
# Seconds a worker gets to finish its requests on a restart (SIGHUP, SIGTERM) or a reload.
graceful_timeout = 30
