"""Captcha verification: Cloudflare Turnstile, hCaptcha and reCAPTCHA (v2 and v3).

All three take the same request — a form POST of ``secret``, ``response`` (the widget's token)
and ``remoteip`` to the provider's ``siteverify`` URL — and answer JSON with ``success``, plus
``score`` for reCAPTCHA v3 (and hCaptcha Enterprise) and ``error-codes``. The standard library's
``urllib`` does the POST: one request with a short timeout needs no HTTP client package in the
Lambda artifact. The secret comes from SSM Parameter Store (SecureString) or Secrets Manager
through Powertools Parameters, cached for five minutes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from toiawase.core.ports import CaptchaUnavailable, CaptchaVerdict

VERIFY_URLS = {
    "turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    "hcaptcha": "https://api.hcaptcha.com/siteverify",
    "recaptcha-v2": "https://www.google.com/recaptcha/api/siteverify",
    "recaptcha-v3": "https://www.google.com/recaptcha/api/siteverify",
}
SECRET_MAX_AGE_SECONDS = 300


class HttpCaptchaVerifier:
    """Implements ``toiawase.core.ports.CaptchaVerifier`` for the three providers."""

    def __init__(
        self,
        provider: str,
        secret: Callable[[], str],
        verify_url: str | None = None,
        timeout_seconds: float = 3.0,
    ) -> None:
        self._url = verify_url or VERIFY_URLS[provider]
        if urlsplit(self._url).scheme not in ("https", "http"):
            raise ValueError("the captcha verification URL must be http(s)")
        self._secret = secret
        self._timeout = timeout_seconds

    def verify(self, token: str, remote_ip: str) -> CaptchaVerdict:
        form = {"secret": self._secret(), "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._url,
            data=urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read(64 * 1024))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise CaptchaUnavailable(type(exc).__name__) from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("success"), bool):
            raise CaptchaUnavailable("unreadable answer")
        score = answer.get("score")
        codes = answer.get("error-codes") or []
        return CaptchaVerdict(
            success=answer["success"],
            score=float(score) if isinstance(score, int | float) else None,
            codes=tuple(str(c) for c in codes) if isinstance(codes, list) else (),
        )


def secret_from_parameters(parameter_name: str | None, secret_id: str | None) -> Callable[[], str]:
    """A secret reader over Powertools Parameters (cached, so one fetch per five minutes)."""

    def read() -> str:
        from aws_lambda_powertools.utilities import parameters

        if parameter_name:
            value = parameters.get_parameter(
                parameter_name, decrypt=True, max_age=SECRET_MAX_AGE_SECONDS
            )
        elif secret_id:
            value = parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)
        else:
            raise CaptchaUnavailable("no CAPTCHA_SECRET_PARAMETER or CAPTCHA_SECRET_ARN")
        return str(value)

    def guarded() -> str:
        try:
            return read()
        except CaptchaUnavailable:
            raise
        except Exception as exc:  # parameter missing, no permission, SSM down
            raise CaptchaUnavailable(type(exc).__name__) from exc

    return guarded
