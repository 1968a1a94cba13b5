"""Which forms a deployment serves, and each form's settings: the one place the two modes meet.

With ``FORMS_FILE`` set, the forms come from that compiled file (``load.load_forms_file``).
Without it, the contract's environment variables describe one form, ``default``, with the
contract's fields (``email``, ``name``, ``message`` and every other field copied through), so
every use case can assume a ``Form`` and behave exactly as before the forms file existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from toiawase.core.config import Settings, load_settings
from toiawase.core.forms.load import load_forms_file
from toiawase.core.forms.model import Form, FormsConfig

FORMS_FILE = "FORMS_FILE"
ENV_FORM_ID = "default"


def env_form(settings: Settings) -> Form:
    """The one form the environment variables describe (no declared fields: contract mode)."""
    return Form(
        id=ENV_FORM_ID,
        title=settings.site_name,
        recipients=settings.recipient_addresses,
        redirect=settings.redirect_url,
        allowed_origins=settings.allowed_origins,
        undeclared_fields="keep",
        fields=(),
        defences=settings.defences,
    )


def forms_for(env: Mapping[str, str], settings: Settings) -> FormsConfig:
    """The deployment's forms; raise ``ConfigError`` when the forms file is missing or broken."""
    path = env.get(FORMS_FILE, "").strip()
    if not path:
        return FormsConfig(forms=(env_form(settings),), default_form=ENV_FORM_ID)
    root = env.get("LAMBDA_TASK_ROOT", "").strip()
    if root and not path.startswith("/"):
        # The template names it inside the artifact (forms.json): Lambda unpacks that here.
        path = f"{root.rstrip('/')}/{path}"
    return load_forms_file(path, settings)


def form_settings(settings: Settings, form: Form) -> Settings:
    """The settings one submission to ``form`` is handled with: the form's own recipients,
    origins, thank-you page, defences and names over the deployment's. The sender address,
    feedback address and configuration set stay the deployment's (one verified identity)."""
    if form.id == ENV_FORM_ID and not form.fields:
        return settings
    return replace(
        settings,
        recipient_addresses=form.recipients,
        allowed_origins=form.allowed_origins,
        redirect_url=form.redirect,
        site_name=(form.sender_name or settings.site_name)[:80],
        defences=form.defences,
        form_id=form.id,
        form_title=form.title,
        form_subject=form.subject,
        email_language=form.email_language or form.language or settings.email_language,
    )


def settings_for_form(env: Mapping[str, str], form_id: str) -> Settings:
    """The settings a stored submission to ``form_id`` is (re)sent with, from the configuration
    in force now. A form since removed from the file falls back to the deployment's settings,
    so its submissions still reach the owner (the environment's recipients)."""
    base = load_settings(env)
    form = forms_for(env, base).get(form_id)
    return form_settings(base, form) if form is not None else base
