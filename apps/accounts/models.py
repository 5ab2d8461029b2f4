"""People and the organisation they belong to."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone

from apps.audit.declarations import Audited


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
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("org_role", User.OrgRole.ADMIN)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    ``org_role`` is the organisation-wide role; roles inside one PoC come from the PoC itself
    (lead, production owner, decision-maker) and from its memberships (contributor, viewer).
    """

    audit = Audited(
        exclude=("password", "last_login"),
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
