"""`manage.py demo [--password P]`: the demo organisations, users and requests; then returns."""

import io
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.policy import roles_need_second_factor
from accounts.security_services import totp_enrol_for_demo, totp_secret
from sharing.demo import DEFAULT_PASSWORD, demo_load


class Command(BaseCommand):
    help = (
        "Loads the territories and the demo data of DESIGN.md (organisations, <role>-<code> "
        "users, requests in every status). Idempotent: a second run creates nothing and "
        "resets the demo passwords. It does not serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo user (default: {DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--territories",
            metavar="CODES",
            default="",
            help="Comma-separated départements to load territories for (the demo's 26,62,07 "
            "are always included); all 101 by default.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with the production settings (accounts with a known password).",
        )

    def handle(
        self,
        *args,
        password: str,
        territories: str = "",
        allow_production: bool = False,
        **options,
    ):
        if not password:
            raise CommandError("--password cannot be empty")
        if (settings.SETTINGS_MODULE or "").endswith(".production") and not allow_production:
            raise CommandError(
                "refusing to create demo accounts with a known password under the production "
                "settings; pass --allow-production for a staging copy"
            )
        self._ensure_audit_signing_key()
        codes = [code for code in territories.split(",") if code.strip()] or None
        result = demo_load(password=password, departements=codes)
        self._anchor_audit_log()

        t = result.territories
        self.stdout.write(
            f"Territories: {t.prefectures_created} prefectures and {t.communes_created} communes "
            f"created, {t.prefectures_updated + t.communes_updated} updated.\n"
            f"Demo: {result.organisations_created} oversight bodies, {result.users_created} "
            f"users, {result.memberships_created} memberships and {result.requests_created} "
            f"requests created ({result.requests_skipped} requests already there).\n"
        )
        width = max(len(name) for name, _ in result.logins)
        self.stdout.write("Demo logins (password for all: " + password + "):")
        for name, what in result.logins:
            self.stdout.write(f"  {name.ljust(width)}  {what}")
        self._second_factors([name for name, _ in result.logins])

    def _second_factors(self, usernames: list[str]) -> None:
        """The accounts whose role needs a second factor are enrolled with TOTP; their
        secrets are printed for an authenticator app (or run with RELAIS_DEMO_SKIP_MFA=1)."""
        enrolled = [
            (user, totp_enrol_for_demo(user=user))
            for user in User.objects.filter(username__in=usernames).order_by("username")
            if roles_need_second_factor(user)
        ]
        if not enrolled:
            return
        self.stdout.write(
            "\nSecond factor (TOTP) of the accounts that need one: add the secret (or the "
            "otpauth:// address) to an authenticator app, then give its 6-digit code after "
            "the password. Without an app: RELAIS_DEMO_SKIP_MFA=1 python3 dev.py demo."
        )
        width = max(len(user.username) for user, _ in enrolled)
        for user, device in enrolled:
            self.stdout.write(f"  {user.username.ljust(width)}  {totp_secret(device)}")
            self.stdout.write(f"  {''.ljust(width)}  {device.config_url}")

    def _anchor_audit_log(self) -> None:
        """Signs the head of the audit chain now, so that audit_verify passes straight away
        instead of after the first periodic checkpoint."""
        key_file = getattr(settings, "AUDIT_SIGNING_KEY_FILE", "")
        has_key = getattr(settings, "AUDIT_SIGNING_KEY", "") or (
            key_file and Path(key_file).exists()
        )
        if not has_key or "audit_checkpoint" not in get_commands():
            return
        try:
            call_command("audit_checkpoint", stdout=io.StringIO())
        except CommandError as exc:
            self.stderr.write(f"No audit checkpoint issued: {exc}")

    def _ensure_audit_signing_key(self) -> None:
        """A local run needs a checkpoint signing key file; audit_keygen creates a missing one."""
        key_file = getattr(settings, "AUDIT_SIGNING_KEY_FILE", "")
        if getattr(settings, "AUDIT_SIGNING_KEY", "") or not key_file or Path(key_file).exists():
            return
        if "audit_keygen" in get_commands():
            call_command("audit_keygen", stdout=self.stdout, stderr=self.stderr)
