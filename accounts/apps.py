from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organisations et comptes"

    def ready(self) -> None:
        # Both need the models (django-axes' too): imported once the registry is ready.
        from . import lockout
        from .policy import stamp_sign_in

        def on_login(sender, request, user, **kwargs) -> None:
            if request is not None and hasattr(request, "session"):
                stamp_sign_in(request.session)

        user_logged_in.connect(on_login, dispatch_uid="accounts.stamp_sign_in", weak=False)
        lockout.connect()
