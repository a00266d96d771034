// Once django-otp-webauthn's script has saved a new passkey, go to the page that confirms it
// (and offers recovery codes when the account has none). A file, not an inline script: the
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    var box = document.getElementById("passkey-register");
    if (box && box.dataset.doneUrl) {
      window.location.assign(box.dataset.doneUrl);
    }
  });
})();
