"""`make test-api-fuzz`: schemathesis against a live server of the shop, zero failures.

Starts gunicorn with production settings (DEBUG=0) on a scratch SQLite database with the
demo data (tests/api/live.py), then runs schemathesis twice against /api/openapi.json: as
an anonymous cookie client, and as a signed-in staff member with a Bearer token (so that
staff endpoints and the stateful links create order → pay → refund/ship are exercised).
Fixed seed and bounded examples: the run is reproducible and takes a few minutes.

    .venv/bin/python -m tests.api.fuzz [--max-examples N] [--seed S] [extra st options]
"""

import argparse
import subprocess
import sys
import time

from tests.api.live import BIN, ROOT, live_shop, manage

CONFIG = ROOT / "tests" / "api" / "schemathesis.toml"

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)
STAFF_TOKEN = """
from django.contrib.auth.models import Permission
from accounts.models import User
from accounts.tokens import issue_token
user = User.objects.filter(email="fuzz-staff@example.com").first()
if user is None:
    user = User.objects.create_user(email="fuzz-staff@example.com", password="fuzz-Staff-pass-1")
    user.is_staff = True
    user.save()
    # The staff API checks Django permissions: those of a shop's staff member.
    codenames = ["add_product", "change_product", "delete_product", "ship_order", "refund_order",
                 "view_shippingmethod", "add_shippingmethod", "change_shippingmethod",
                 "delete_shippingmethod", "view_taxrate", "add_taxrate", "change_taxrate",
                 "delete_taxrate"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
print(issue_token(user))
"""


def schemathesis(base: str, label: str, args, extra: list[str]) -> int:
    command = [
        str(BIN / "st"),
        f"--config-file={CONFIG}",
        "run",
        f"{base}/api/openapi.json",
        f"--checks={CHECKS}",
        f"--seed={args.seed}",
        f"--max-examples={args.max_examples}",
        "--phases=examples,coverage,fuzzing,stateful",
        "--workers=1",
        "--request-timeout=30",
        "--suppress-health-check=all",
        *extra,
    ]
    print(f"\n=== schemathesis as {label} ===", flush=True)
    started = time.monotonic()
    code = subprocess.run(command, cwd=ROOT).returncode
    print(f"=== {label}: exit {code} in {time.monotonic() - started:.0f}s ===", flush=True)
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--max-examples", type=int, default=25)
    args, extra = parser.parse_known_args()
    with live_shop() as (base, env):
        token = manage(env, "shell", "-c", STAFF_TOKEN).strip().splitlines()[-1]
        codes = [
            schemathesis(base, "an anonymous cookie client", args, extra),
            schemathesis(
                base,
                "a staff member with a Bearer token",
                args,
                [
                    f"--header=Authorization: Bearer {token}",
                    # Signing out revokes every token of the user: keep the token alive.
                    "--exclude-path=/api/auth/logout",
                    *extra,
                ],
            ),
        ]
    failed = [code for code in codes if code != 0]
    print("API fuzzing: " + ("FAILED" if failed else "no failures"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
