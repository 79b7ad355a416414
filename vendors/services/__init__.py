"""Every write to a vendor: application, review, terms, shop profile and staff.

Import from here (``from vendors import services``); the modules split the work by
topic so each stays short.
"""

from vendors.services.application import (
    apply_as_vendor,
    submit_application,
    update_application,
)
from vendors.services.profile import set_vendor_terms, update_shop_profile
from vendors.services.staff import (
    accept_invitation,
    change_staff_role,
    invite_staff,
    remove_staff,
    revoke_invitation,
)
from vendors.services.status import (
    approve_vendor,
    change_vendor_status,
    close_vendor,
    reinstate_vendor,
    reject_vendor,
    suspend_vendor,
)

__all__ = [
    "accept_invitation",
    "apply_as_vendor",
    "approve_vendor",
    "change_staff_role",
    "change_vendor_status",
    "close_vendor",
    "invite_staff",
    "reinstate_vendor",
    "reject_vendor",
    "remove_staff",
    "revoke_invitation",
    "set_vendor_terms",
    "submit_application",
    "suspend_vendor",
    "update_application",
    "update_shop_profile",
]
