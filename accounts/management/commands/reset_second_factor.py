"""An administrator's reset of an account's second factor (lost device, no recovery code)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.security_services import second_factor_reset


class Command(BaseCommand):
    help = "Remove an account's second-factor devices; it enrols again at its next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        removed = second_factor_reset(user=user, actor=None)
        self.stdout.write(f"{removed} device(s) removed for {username}.")
