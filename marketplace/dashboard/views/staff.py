"""Staff: the owner invites people with a role, changes roles, removes members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from marketplace.common.errors import DomainError, ValidationFailed
from marketplace.common.web import add_domain_errors
from marketplace.dashboard.forms import InviteForm, JoinForm, RoleForm
from marketplace.dashboard.views.common import act, signed_in_page, vendor_page
from vendors import selectors, services
from vendors.models import StaffInvitation


def _staff_page(request, *, form=None, status=200):
    vendor = request.vendor
    is_owner = request.membership.is_owner
    context = {
        "members": [
            (member, RoleForm(initial={"role": member.role}, prefix=f"m{member.pk}"))
            for member in selectors.list_staff(vendor=vendor).order_by("id")
        ],
        "invitations": (
            selectors.list_invitations(
                vendor=vendor, status=StaffInvitation.Status.PENDING
            ).order_by("-id")
            if is_owner
            else []
        ),
        "form": form or InviteForm(),
        "is_owner": is_owner,
    }
    return render(request, "dashboard/staff/list.html", context, status=status)


@vendor_page(methods=("GET", "POST"), approved=False)
def staff(request):
    """Everyone sees the staff; only the owner invites (the service checks it too)."""
    if request.method == "GET":
        return _staff_page(request)
    if not request.membership.is_owner:
        raise PermissionDenied
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_staff(
                vendor=request.vendor, actor=request.user, **form.cleaned_data
            )
        except ValidationFailed as error:
            add_domain_errors(form, error)
        except DomainError as error:
            form.add_error("email", error.detail)
        else:
            messages.success(
                request,
                _("An invitation is sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("dashboard:staff")
    return _staff_page(request, form=form, status=400)


@vendor_page(methods=("POST",), approved=False, owner=True)
def member_role(request, member_id: int):
    member = selectors.get_member(vendor=request.vendor, member_id=member_id)
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    role = form.cleaned_data["role"] if form.is_valid() else ""
    return act(
        request,
        lambda: services.change_staff_role(
            vendor=request.vendor, actor=request.user, member=member, role=role
        ),
        success=_("The role is changed."),
        default="dashboard:staff",
    )


@vendor_page(methods=("POST",), approved=False, owner=True)
def member_remove(request, member_id: int):
    member = selectors.get_member(vendor=request.vendor, member_id=member_id)
    return act(
        request,
        lambda: services.remove_staff(
            vendor=request.vendor, actor=request.user, member=member
        ),
        success=_("The member is removed."),
        default="dashboard:staff",
    )


@vendor_page(methods=("POST",), approved=False, owner=True)
def invitation_revoke(request, invitation_id: int):
    invitation = selectors.get_invitation(
        vendor=request.vendor, invitation_id=invitation_id
    )
    return act(
        request,
        lambda: services.revoke_invitation(
            vendor=request.vendor, actor=request.user, invitation=invitation
        ),
        success=_("The invitation is revoked."),
        default="dashboard:staff",
    )


@signed_in_page(methods=("GET", "POST"))
def join(request):
    """Join a shop's staff with the code from the invitation email.

    The service checks the code, that it was sent to the signed-in address and that
    the user belongs to no shop yet; its refusal shows on the code field.
    """
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code")})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.accept_invitation(
                token=form.cleaned_data["code"], user=request.user
            )
        except DomainError as error:
            form.add_error("code", error.detail)
        else:
            messages.success(
                request,
                _("Welcome to %(shop)s.") % {"shop": member.vendor},
            )
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/staff/join.html", {"form": form}, status=status)
