"""Production refuses to run Stripe Connect without its credentials."""

import os

import pytest

from tests.test_deploy_check import PRODUCTION_ENV, run_manage


@pytest.mark.parametrize(
    ("extra", "starts"),
    [
        ({}, False),
        ({"STRIPE_SECRET_KEY": "sk_test_x"}, False),
        ({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}, True),
    ],
)
def test_production_with_stripe_connect_needs_its_keys(extra, starts):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STRIPE_") and k != "PAYMENT_PROVIDER"
    }
    env.update(PRODUCTION_ENV, PAYMENT_PROVIDER="stripe_connect", **extra)
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace"
    )

    result = run_manage("check", env=env)

    assert (result.returncode == 0) is starts, result.stderr[-2000:]
    if not starts:
        assert "needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in result.stderr
