"""The user, signing in by email, with a preferred language and an operator role.

Every user can shop. A user is vendor staff through ``vendors.VendorMember`` (at most
one vendor), and an operator when ``operator_role`` is set.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.common.addresses import phone_number


class EmailUserManager(UserManager):
    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        extra_fields.setdefault("operator_role", User.OperatorRole.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    class OperatorRole(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        REVIEWER = "reviewer", _("Reviewer")
        FINANCE = "finance", _("Finance")
        SUPPORT = "support", _("Support")

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, validators=[phone_number]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    operator_role = models.CharField(
        _("operator role"), max_length=20, choices=OperatorRole.choices, blank=True
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()

    @property
    def is_operator(self) -> bool:
        return bool(self.operator_role) and self.is_active

    def has_operator_role(self, *roles: str) -> bool:
        """Return whether the user is an active operator in one of ``roles``.

        An administrator holds every role.
        """
        return self.is_operator and (
            self.operator_role == self.OperatorRole.ADMIN or self.operator_role in roles
        )

    def __str__(self):
        return self.email
