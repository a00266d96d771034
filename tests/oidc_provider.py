"""Starts the test OpenID provider (tests/oidc/provider.mjs, the npm package oidc-provider,
configured like ProConnect) and drives it as a browser would."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_SECRET = "secret-for-the-test-provider-only-0123456789"
REDIRECT_URI = "http://testserver/compte/proconnect/retour/"
POST_LOGOUT_URI = "http://testserver/compte/proconnect/deconnexion/"


def client(client_id: str, *, alg: str = "RS256", signed_userinfo: bool = True) -> dict:
    spec = {
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": [POST_LOGOUT_URI],
        "token_endpoint_auth_method": "client_secret_post",
        "id_token_signed_response_alg": alg,
        "subject_type": "pairwise",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    if signed_userinfo:
        spec["userinfo_signed_response_alg"] = alg
    return spec


CLIENTS = [
    client("relais"),
    client("relais-es256", alg="ES256"),
    client("relais-json-userinfo", signed_userinfo=False),
]


def node_missing_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the test OpenID provider (npm oidc-provider) needs it"
    return None


def install() -> None:
    """`npm ci` from the lock file, once per checkout."""
    if (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: it installs the test OpenID provider")
    subprocess.run(  # noqa: S603
        [npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, capture_output=True
    )


def free_port() -> int:
    wanted = os.environ.get("RELAIS_TEST_OIDC_PORT")
    if wanted:
        return int(wanted)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProviderProcess:
    """A running provider: `issuer`, `next_login(...)`, `browse(url)` and `stop()`."""

    def __init__(self, accounts: dict[str, dict], workdir: Path) -> None:
        install()
        config = workdir / "oidc-provider.json"
        config.write_text(json.dumps({"clients": CLIENTS, "accounts": accounts}))
        self.log_path = workdir / "oidc-provider.log"
        # A port picked free can be taken by another test process before node binds it: then
        # node exits at once, and the provider starts again on another port.
        for _ in range(3):
            self.port = free_port()
            self.issuer = f"http://127.0.0.1:{self.port}"
            self.log = self.log_path.open("w")
            self.process = subprocess.Popen(  # noqa: S603
                [shutil.which("node") or "node", str(OIDC_DIR / "provider.mjs")],
                env={**os.environ, "OIDC_PORT": str(self.port), "OIDC_CONFIG": str(config)},
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
            if self._wait_until_it_answers():
                return
            self.stop()
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the test OpenID provider did not start; its log:\n{tail}")

    def _wait_until_it_answers(self) -> bool:
        """True once discovery answers; False if node exited. A loaded machine gets 90 s."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(self.discovery_url, timeout=2).ok:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def next_login(self, account: str, *, acr: str = "eidas1", amr=("pwd",)) -> None:
        response = requests.post(
            f"{self.issuer}/__test/next-login",
            data=json.dumps({"accountId": account, "acr": acr, "amr": list(amr)}),
            timeout=5,
        )
        response.raise_for_status()

    def browse(self, url: str, session: requests.Session) -> str:
        """Follows the provider's redirects until one leaves for Relais; returns it."""
        for _ in range(12):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.status_code not in (302, 303):
                raise AssertionError(f"{response.status_code} from the provider: {response.text}")
            url = urljoin(url, response.headers["Location"])
            if urlsplit(url).hostname == "testserver":
                return url
        raise AssertionError("too many redirects at the provider")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
