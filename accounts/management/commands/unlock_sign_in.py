"""Lifts a sign-in lockout before its cool-off, for an account and/or a client address."""

from django.core.management.base import BaseCommand, CommandError

from accounts.security_services import lockout_lift


class Command(BaseCommand):
    help = "Forget the failed sign-in attempts of an account and/or an address (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="")
        parser.add_argument("--ip", default="", help="the client address, as the lockout saw it")

    def handle(self, *args, username: str, ip: str, **options):
        if not username and not ip:
            raise CommandError("Give --username, --ip or both.")
        removed = lockout_lift(username=username, ip_address=ip, actor=None)
        self.stdout.write(f"{removed} failed attempt record(s) removed; sign-in unlocked.")
