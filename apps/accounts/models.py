"""People and the organisation they belong to."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.accounts.emails import canonical_email, check_address
from apps.audit.declarations import Audited


def default_time_zone() -> str:
    """The site's time zone (``TIME_ZONE``), a new person's until they choose their own."""
    return settings.TIME_ZONE


def check_time_zone(value: str) -> None:
    """An IANA time zone name, such as Europe/Paris."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone; use an IANA name such as Europe/Paris.")


class BusinessUnit(models.Model):
    """A part of the organisation that sponsors PoCs."""

    audit = Audited()

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=check_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("org_role", User.OrgRole.ADMIN)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        """The account whose stored address is exactly the canonical form of ``username``."""
        return self.get(email=canonical_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    ``org_role`` is the organisation-wide role; roles inside one PoC come from the PoC itself
    (lead, production owner, decision-maker) and from its memberships (contributor, viewer).
    """

    audit = Audited(
        exclude=("password", "last_login", "unread_notifications"),
        many_to_many={"groups": Audited(), "user_permissions": Audited()},
    )

    class OrgRole(models.TextChoices):
        MEMBER = "member", "Member"
        PORTFOLIO_VIEWER = "portfolio_viewer", "Portfolio viewer"
        ADMIN = "admin", "Administrator"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True, help_text="Job title, printed under a signature")
    team = models.CharField(max_length=150, blank=True)
    business_unit = models.ForeignKey(BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL)
    org_role = models.CharField(max_length=20, choices=OrgRole.choices, default=OrgRole.MEMBER)
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[check_time_zone],
        help_text="Where the person works: a signature shows its time here as well as in UTC",
    )
    # Kept by apps.notifications with every notification written or read, so the header shows the
    # count from the signed-in user's own row, without a query of its own.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin site")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        try:
            self.email = check_address(self.email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc

    def save(self, *args, **kwargs):
        """Stores the canonical address; a new password revokes every API token of the person."""
        self.email = canonical_email(self.email)
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from apps.accounts.services import tokens_revoke_all

            tokens_revoke_all(user=self, reason="password changed")

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]

    @property
    def is_org_admin(self) -> bool:
        return self.is_superuser or self.org_role == self.OrgRole.ADMIN

    @property
    def sees_all_pocs(self) -> bool:
        return self.is_org_admin or self.org_role == self.OrgRole.PORTFOLIO_VIEWER


class ApiToken(models.Model):
    """A key for the API, sent as ``Authorization: Token <key>``.

    Only a SHA-256 hash of the key is stored (the key is shown once, when it is issued), with its
    first characters to tell tokens apart. A person may hold several; each expires
    ``API_TOKEN_TTL_DAYS`` after it was issued, and all are revoked when the password changes.
    """

    audit = Audited(exclude=("key_hash", "last_used"))

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to recognise it")
    created_from = models.CharField(max_length=200, blank=True, help_text="Where the token was asked for")
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "-created"], name="accounts_token_user_created")]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires <= timezone.now()
