import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create (or reset) the admin account and print how to sign in. Takes DJANGO_ADMIN_USERNAME and "
        "DJANGO_ADMIN_PASSWORD from the environment; otherwise 'admin' with a password generated once and "
        "kept in var/admin-password."
    )

    def handle(self, *args, **options):
        import os

        username = os.environ.get("DJANGO_ADMIN_USERNAME", "admin")
        password = os.environ.get("DJANGO_ADMIN_PASSWORD")
        if not password:
            stored = Path(settings.VAR_DIR) / "admin-password"
            if stored.exists():
                password = stored.read_text().strip()
            else:
                password = secrets.token_urlsafe(12)
                stored.parent.mkdir(exist_ok=True)
                stored.write_text(password + "\n")
                stored.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"Admin account: user name {username!r}, password {password!r}"))
