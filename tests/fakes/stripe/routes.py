"""The fake Stripe's URL table: (method, path pattern, port operation, endpoint).

The operation is the port method a request belongs to, so that faults injected for
an operation (``FakeStripe.inject``) strike its requests.
"""

from tests.fakes.stripe.money import (
    create_payout,
    create_refund,
    create_transfer,
    create_transfer_reversal,
    list_balance_transactions,
    list_refunds,
    list_transfers,
    retrieve_balance,
    retrieve_transfer,
)
from tests.fakes.stripe.resources import (
    create_account,
    create_account_link,
    create_checkout_session,
    expire_checkout_session,
    list_checkout_sessions,
    retrieve_account,
    retrieve_checkout_session,
    retrieve_payment_intent,
)

ID = r"(?P<id>[A-Za-z0-9_]+)"
ROUTES = [
    ("POST", r"/v1/accounts", "create_vendor_account", create_account),
    ("GET", rf"/v1/accounts/{ID}", "get_vendor_account", retrieve_account),
    ("POST", r"/v1/account_links", "onboarding_link", create_account_link),
    ("POST", r"/v1/checkout/sessions", "create_payment", create_checkout_session),
    ("GET", r"/v1/checkout/sessions", "find_payment", list_checkout_sessions),
    ("GET", rf"/v1/checkout/sessions/{ID}", "get_payment", retrieve_checkout_session),
    ("POST", rf"/v1/checkout/sessions/{ID}/expire", "cancel", expire_checkout_session),
    (
        "GET",
        rf"/v1/payment_intents/{ID}",
        "get_payment_intent",
        retrieve_payment_intent,
    ),
    ("POST", r"/v1/refunds", "refund", create_refund),
    ("GET", r"/v1/refunds", "list_refunds", list_refunds),
    ("POST", r"/v1/transfers", "settle", create_transfer),
    ("GET", r"/v1/transfers", "list_transfers", list_transfers),
    ("GET", rf"/v1/transfers/{ID}", "get_transfer", retrieve_transfer),
    (
        "POST",
        rf"/v1/transfers/{ID}/reversals",
        "reverse_settlement",
        create_transfer_reversal,
    ),
    ("GET", r"/v1/balance", "get_vendor_balance", retrieve_balance),
    ("POST", r"/v1/payouts", "payout", create_payout),
    (
        "GET",
        r"/v1/balance_transactions",
        "list_transactions",
        list_balance_transactions,
    ),
]
