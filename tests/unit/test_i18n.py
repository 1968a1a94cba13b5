"""The visitor's language: negotiation, the catalogues, translated answers, overrides, addresses."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.unit.helpers import ENV, RecordingSender, fixed_id, form_request
from toiawase.core.address import AddressError, parse_submitter_address
from toiawase.core.errors import ConfigError
from toiawase.core.forms.load import forms_from_document
from toiawase.core.http import HEADER_LIMITS
from toiawase.core.i18n import (
    LANGUAGES,
    MAX_LANGUAGE_RANGES,
    Text,
    catalogue,
    choose_language,
    placeholders,
    t,
    translator,
)
from toiawase.core.service import Dependencies, handle

JSON = "application/json"


# -- negotiation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "default", "chosen"),
    [
        (None, None, "en"),
        ("", "ja", "ja"),
        ("ja", None, "ja"),
        ("ja-JP", None, "ja"),
        ("JA-jp;q=0.9, en;q=0.8", None, "ja"),
        ("en-US,en;q=0.9,ja;q=0.8", "ja", "en"),  # the visitor's header wins over the form's
        ("fr-FR, de;q=0.9", "ja", "ja"),  # no shipped language named: the form's language
        ("fr-FR, de;q=0.9", None, "en"),
        ("fr, *;q=0.5", "ja", "ja"),  # * means the form's language
        ("en;q=0.2, ja;q=0.7", None, "ja"),  # highest q wins, not the first listed
        ("ja;q=0.5, en;q=0.5", None, "ja"),  # equal q: the first listed
        ("ja;q=0, *", "ja", "en"),  # q=0 excludes, even the form's language
        ("ja;q=0", "ja", "en"),
        ("en;q=0, ja;q=0", "ja", "ja"),  # nothing acceptable: the form's language
        ("ja;q=abc, en", None, "en"),  # a malformed item is ignored, the rest read
        ("ja;q=2, en;q=0.1", None, "en"),  # q out of range: ignored
        ("j@, ja", None, "ja"),
        (";;;,,,", "ja", "ja"),
        ("日本語, ja", None, "ja"),
        ("ja;foo=bar", None, "en"),  # a parameter that is not q: the item is ignored
        ("zh-Hant-TW, ja-Latn-JP;q=0.3", None, "ja"),
    ],
)
def test_choose_language(header: str | None, default: str | None, chosen: str):
    assert choose_language(header, default) == chosen


def test_only_the_first_ranges_are_read():
    header = ", ".join(["fr"] * MAX_LANGUAGE_RANGES + ["ja"])
    assert choose_language(header) == "en"
    header = ", ".join(["fr"] * (MAX_LANGUAGE_RANGES - 1) + ["ja"])
    assert choose_language(header) == "ja"


def test_an_oversized_accept_language_is_431_and_not_read():
    value = "ja," + "x" * HEADER_LIMITS["accept-language"]
    request = form_request(
        [("email", "a@example.org"), ("message", "hi")],
        accept=JSON,
        extra_headers={"accept-language": value},
    )
    outcome = handle(request, ENV, Dependencies(sender=RecordingSender(), new_id=fixed_id))
    body = json.loads(outcome.response.body)
    assert outcome.response.status == 431 and body["error"] == "header_too_large"
    assert body["message"].startswith("The request's Accept-Language header")


# -- catalogues -----------------------------------------------------------------------------

# Words a Japanese text may carry in Latin letters: names of standards, headers and formats.
TECHNICAL = re.compile(
    r"application/x-www-form-urlencoded|multipart/form-data|application/json|enctype|"
    r"Content-Type|Origin|Referer|UTF-8|JSON|multipart|boundary|base64|https?://|URL|"
    r"YYYY-MM-DD|action|Unicode|JavaScript|ASCII|SES|Reply-To|HTTP|name@example\.com|example\.com|field|name|size|files|ID|"
    r"\{[a-z_]+(?::[^}]*)?\}|KB|MB|GET|POST",
)


def test_both_languages_have_the_same_ids_and_placeholders():
    english, japanese = catalogue("en"), catalogue("ja")
    assert english.keys() == japanese.keys()
    for msgid, text in english.items():
        assert text, msgid
        assert japanese[msgid], msgid
        assert placeholders(text) == placeholders(japanese[msgid]), msgid


def test_english_is_a_real_catalogue_and_japanese_is_japanese():
    english, japanese = catalogue("en"), catalogue("ja")
    for msgid in english:
        assert english[msgid] != msgid, f"{msgid}: English shows its id"
    for msgid, text in japanese.items():
        leftover = TECHNICAL.sub("", text)
        words = re.findall(r"[A-Za-z]{3,}", leftover)
        assert not words, f"{msgid}: English words in Japanese: {words}"


def test_every_text_renders_in_every_language():
    # Placeholders filled with a number where the text formats one (``{max:,}``, ``{n:.4g}``).
    for language in LANGUAGES:
        tr = translator(language)
        for msgid, text in catalogue("en").items():
            params = {name: 1234 for name in placeholders(text)}
            assert tr.get(msgid, **params)


def test_a_text_is_its_english_and_renders_again_in_japanese():
    text = t("field.too_long", max=5000)
    assert isinstance(text, str) and text == "is longer than 5,000 characters"
    assert translator("ja")(text) == "5,000 文字以内で入力してください"
    # A text inside a text is rendered in the same language.
    outer = t("file.named_problem", name="a.exe", problem=t("file.active"))
    assert "このフォームでは受け付けません" in translator("ja")(outer)
    # Anything that is not a catalogue text is kept as it is.
    assert translator("ja")("plain") == "plain"


def test_the_catalogues_are_gettext_po_files_and_the_build_compiles_them(tmp_path: Path):
    from toiawase.forms.catalogues import compile_catalogues

    written = compile_catalogues(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        f"{lang}/LC_MESSAGES/toiawase.mo" for lang in sorted(LANGUAGES)
    ]
    import gettext

    with (tmp_path / "ja/LC_MESSAGES/toiawase.mo").open("rb") as handle_:
        compiled = gettext.GNUTranslations(handle_)
    assert compiled.gettext("field.required") == catalogue("ja")["field.required"]


# -- no visitor-facing literal outside the catalogues -------------------------------------

CORE = Path(__file__).resolve().parents[2] / "functions" / "toiawase"
# A call, and the positions of its arguments a visitor reads (message, fields).
VISITOR_ARGS = {
    "InputError": (2, 3),
    "malformed": (0,),
    "too_large": (0,),
    "unsupported": (0,),
    "invalid_fields": (0,),
    "_Invalid": (0,),
    "FileRefused": (0,),
    "AddressError": (0,),
    "InvalidText": (0,),
    "NotAccepted": (2,),
    "error_json": (2, 3),
    "error_html": (1, 2),
    "_error": (3,),
    "error": (3,),
    "html_answer": (1, 2),
}


def _words(text: str) -> bool:
    """Words outside HTML tags: markup alone (``<p>{…}</p>``) is not text."""
    return re.search(r"[A-Za-z]{2,}", re.sub(r"<[^>]*>", "", text)) is not None


def _literal_text(node: object) -> bool:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _words(node.value)
    if isinstance(node, ast.JoinedStr):
        return _words("".join(str(v.value) for v in node.values if isinstance(v, ast.Constant)))
    if isinstance(node, ast.Dict):
        return any(_literal_text(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) or _literal_text(node.orelse)
    return False


def test_no_visitor_facing_literal_outside_the_catalogues():
    """Every message and field error the core, the handlers and the answers build comes from
    ``t(id)``: a string literal or f-string in one of those positions, or assigned to a field
    error (``errors[name] = "…"``), fails here."""
    import ast

    found = []
    files = [*(CORE / "core").rglob("*.py"), *(CORE / "handlers").rglob("*.py")]
    for path in files:
        source = path.read_text("utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if "# owner-facing" in lines[getattr(node, "lineno", 1) - 1]:
                continue  # configuration problems, for the owner's logs and CLI
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                for index in VISITOR_ARGS.get(name, ()):
                    if index < len(node.args) and _literal_text(node.args[index]):
                        found.append(f"{path.name}:{node.lineno} {name}")
                for keyword in node.keywords:
                    if keyword.arg in ("message", "fields") and _literal_text(keyword.value):
                        found.append(f"{path.name}:{node.lineno} {name}({keyword.arg}=)")
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "errors"
                        and node.value is not None
                        and _literal_text(node.value)
                    ):
                        found.append(f"{path.name}:{node.lineno} errors[…] =")
                    if (
                        isinstance(target, ast.Name)
                        and target.id in ("message", "title", "said")
                        and node.value is not None
                        and _literal_text(node.value)
                    ):
                        found.append(f"{path.name}:{node.lineno} {target.id} =")
    assert not found, "visitor-facing text outside the catalogues: " + ", ".join(found)


# -- answers in Japanese, through the router ------------------------------------------------

FORMS = {
    "defaults": {"allowed_origins": ["https://www.example.com"]},
    "default_form": "contact",
    "forms": {
        "contact": {
            "title": "Contact",
            "recipients": ["owner@example.com"],
            "fields": {
                "name": {"type": "text", "label": "お名前", "max_length": 20},
                "email": {"type": "email", "required": True, "reply_to": True},
                "message": {"type": "textarea", "required": True, "label": "ご用件"},
                "seats": {"type": "number", "min": 1, "max": 10000, "integer": True},
                "when": {"type": "date"},
                "site": {"type": "url"},
                "phone": {"type": "tel"},
                "plan": {"type": "select", "options": ["a", "b"]},
                "ok": {"type": "checkbox", "required": True, "label": "同意する"},
            },
        },
        "jobs": {
            "title": "採用",
            "language": "ja",
            "recipients": ["jobs@example.com"],
            "messages": {"ja": {"field.required": "必須項目です"}},
            "fields": {
                "email": {"type": "email", "required": True, "reply_to": True},
                "message": {"type": "textarea", "required": True, "label": "志望動機"},
            },
        },
    },
}


def call(
    tmp_path: Path,
    fields: list[tuple[str, str]],
    *,
    language: str | None,
    path: str = "/f/contact",
    accept: str = JSON,
    **kwargs: object,
) -> tuple[int, dict[str, str], str]:
    forms_file = tmp_path / "forms.json"
    forms_file.write_text(json.dumps(FORMS), "utf-8")
    headers = {"accept-language": language} if language else {}
    request = form_request(fields, accept=accept, path=path, extra_headers=headers, **kwargs)  # type: ignore[arg-type]
    deps = Dependencies(sender=RecordingSender(), new_id=fixed_id)
    outcome = handle(request, {**ENV, "FORMS_FILE": str(forms_file)}, deps)
    return outcome.response.status, outcome.response.headers, outcome.response.body


BAD = [
    ("name", "x" * 30),
    ("email", "someone＠example.com"),
    ("message", ""),
    ("seats", "2.5"),
    ("when", "2026-02-30"),
    ("site", "ftp://example.com"),
    ("phone", "call me"),
    ("plan", "c"),
    ("extra", "1"),
]


def test_the_same_refusal_in_both_languages_keeps_its_code_and_keys(tmp_path: Path):
    en_status, en_headers, en_body = call(tmp_path, BAD, language="en")
    ja_status, ja_headers, ja_body = call(tmp_path, BAD, language="ja-JP,ja;q=0.9")
    english, japanese = json.loads(en_body), json.loads(ja_body)
    assert en_status == ja_status == 422
    assert english["error"] == japanese["error"] == "invalid_fields"
    assert english["fields"].keys() == japanese["fields"].keys()
    assert english["fields"]["message"] == "is required"
    assert japanese["fields"]["message"] == "入力してください"
    assert (
        japanese["fields"]["email"] == "全角の「＠」が使われています。半角の「@」で入力してください"
    )
    assert japanese["fields"]["ok"] == "チェックを入れてください"
    # The message names each field by its label, in the visitor's language.
    assert japanese["message"].startswith("入力内容に修正が必要です。")
    assert "ご用件：入力してください" in japanese["message"]
    assert "メールアドレス：" in japanese["message"]
    assert ja_headers["Content-Language"] == "ja" and en_headers["Content-Language"] == "en"
    assert "Accept-Language" in ja_headers["Vary"] and "Origin" in ja_headers["Vary"]


def _english_words(text: str) -> list[str]:
    """Latin words left once standards' names, the request's own field names and quoted
    request values (``'text/csv'``) are taken out."""
    text = re.sub(r"'[^']*'", "", TECHNICAL.sub("", text))
    names = {name for name, _ in BAD} | {"captcha"}
    return [word for word in re.findall(r"[A-Za-z]{3,}", text) if word not in names]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"fields": BAD}, "/f/contact"),
        ({"fields": [("email", "a@example.org")], "body": b"{", "content_type": JSON}, None),
        ({"fields": [], "body": b"x", "content_type": "text/csv"}, None),
        ({"fields": [], "body": b"x" * 300_000}, None),
        ({"fields": [("email", "a@b.example"), ("message", "hi")], "method": "GET"}, None),
        ({"fields": [("email", "a@b.example")]}, "/f/nope"),
        ({"fields": [("email", "a@b.example")]}, "/nothing"),
        (
            {
                "fields": [("email", "a@b.example"), ("message", "hi")],
                "extra_headers": {"origin": "https://evil.example"},
            },
            None,
        ),
    ],
)
def test_every_refusal_in_japanese_has_no_english_words(
    tmp_path: Path, kwargs: dict[str, object], path: str | None
):
    fields = kwargs.pop("fields")
    extra = dict(kwargs.pop("extra_headers", {}))  # type: ignore[call-overload]
    forms_file = tmp_path / "forms.json"
    forms_file.write_text(json.dumps(FORMS), "utf-8")
    for accept in (JSON, "text/html"):
        request = form_request(
            fields,  # type: ignore[arg-type]
            accept=accept,
            path=path or "/f/contact",
            extra_headers={"accept-language": "ja", **extra},
            **kwargs,  # type: ignore[arg-type]
        )
        deps = Dependencies(sender=RecordingSender(), new_id=fixed_id)
        outcome = handle(request, {**ENV, "FORMS_FILE": str(forms_file)}, deps)
        response = outcome.response
        assert 400 <= response.status < 500, response.body
        if accept == JSON:
            body = json.loads(response.body)
            shown = [body["message"], *body.get("fields", {}).values()]
        else:
            assert '<html lang="ja">' in response.body
            shown = [html.unescape(re.sub(r"<[^>]+>", " ", response.body.split("<main>")[1]))]
        for text in shown:
            assert not _english_words(text), (response.status, text)


def test_html_error_page_in_japanese_names_fields_by_label(tmp_path: Path):
    status, headers, body = call(tmp_path, BAD, language="ja", accept="text/html")
    assert status == 422 and '<html lang="ja">' in body
    assert "<title>入力内容を確認してください</title>" in body
    assert "<strong>ご用件</strong>：入力してください" in body
    assert "<strong>お名前</strong>：20 文字以内で入力してください" in body
    assert ">フォームに戻る</a>" in body
    assert "Please" not in body and "Back to the form" not in body
    assert headers["Content-Language"] == "ja"


def test_a_forms_language_is_the_default_and_its_overrides_apply(tmp_path: Path):
    fields = [("email", "a@example.org"), ("message", "")]
    _, _, body = call(tmp_path, fields, language=None, path="/f/jobs")
    assert json.loads(body)["fields"]["message"] == "必須項目です"  # the owner's override
    _, _, body = call(tmp_path, fields, language="fr", path="/f/jobs")
    assert json.loads(body)["fields"]["message"] == "必須項目です"
    # The visitor's English header wins over the form's language; no English override: catalogue.
    _, _, body = call(tmp_path, fields, language="en", path="/f/jobs")
    assert json.loads(body)["fields"]["message"] == "is required"
    # A form without a language answers an unknown header in English.
    _, _, body = call(tmp_path, fields, language="fr", path="/f/contact")
    assert json.loads(body)["fields"]["message"] == "is required"


def test_status_and_thank_you_page_in_japanese():
    request = form_request(
        path="/submissions/" + "0" * 32,
        method="GET",
        accept=JSON,
        extra_headers={"accept-language": "ja"},
    )
    outcome = handle(request, ENV, Dependencies(sender=RecordingSender(), new_id=fixed_id))
    assert json.loads(outcome.response.body) == {
        "ok": False,
        "error": "not_found",
        "message": "その受付番号の送信はありません。",
    }
    request = form_request(
        [("email", "a@example.org"), ("message", "こんにちは")],
        extra_headers={"accept-language": "ja"},
    )
    env = {k: v for k, v in ENV.items() if k != "REDIRECT_URL"}
    outcome = handle(request, env, Dependencies(sender=RecordingSender(), new_id=fixed_id))
    page = outcome.response.body
    assert outcome.response.status == 200 and '<html lang="ja">' in page
    assert "<title>送信ありがとうございました</title>" in page and "受付番号：" in page


# -- per-form overrides are checked -----------------------------------------------------


def _doc(messages: object) -> dict[str, object]:
    return {
        "forms": {
            "a": {
                "title": "A",
                "recipients": ["o@example.com"],
                "allowed_origins": ["https://www.example.com"],
                "messages": messages,
                "fields": {"message": {"type": "textarea"}},
            }
        }
    }


def _load(messages: object) -> object:
    from tests.unit.helpers import settings

    return forms_from_document(_doc(messages), settings())


def test_overrides_with_unknown_ids_or_placeholders_are_refused():
    with pytest.raises(ConfigError, match=r"messages\.ja\.sent: is not a message id"):
        _load({"ja": {"sent": "送信しました"}})
    with pytest.raises(ConfigError, match=r"uses \{limit\}, which this message does not have"):
        _load({"en": {"field.too_long": "at most {limit} characters"}})
    with pytest.raises(ConfigError, match=r"a \{ or \} that is not a placeholder"):
        _load({"en": {"field.required": "needed {"}})
    form = _load({"en": {"field.too_long": "max {max:,} chars", "field.required": "needed {{!}}"}})
    assert form is not None


def test_defaults_and_form_overrides_merge_by_language():
    from tests.unit.helpers import settings

    doc = _doc({"ja": {"field.required": "必須"}})
    doc["defaults"] = {
        "messages": {"ja": {"field.pattern": "形式違い"}, "en": {"field.url": "URL!"}}
    }
    form = forms_from_document(doc, settings()).forms[0]
    overrides = {lang: dict(texts) for lang, texts in form.messages}
    assert overrides == {
        "ja": {"field.pattern": "形式違い", "field.required": "必須"},
        "en": {"field.url": "URL!"},
    }


# -- email-validator's refusals, mapped to our own texts ----------------------------------

ADDRESS_CASES = [
    ("Taro <taro@example.com>", "email.display_name"),
    ("taro＠example.com", "email.fullwidth_at"),
    ("taro.example.com", "email.no_at"),
    ("@example.com", "email.no_local_part"),
    ("taro@", "email.no_domain"),
    ("t" * 250 + "@example.com", "email.too_long"),
    ("ta ro@example.com", "email.spaces"),
    ("taro@localhost", "email.no_dot_in_domain"),
    ("taro@exa_mple.com", "email.bad_domain"),
    ("taro..yamada@example.com", "email.dots"),
    (".taro@example.com", "email.dots"),
    ("ta(ro@example.com", "email.bad_local_part"),
]


@pytest.mark.parametrize(("address", "msgid"), ADDRESS_CASES)
def test_address_refusals_are_our_own_words_in_both_languages(address: str, msgid: str):
    with pytest.raises(AddressError) as refused:
        parse_submitter_address(address)
    text = refused.value.text
    assert isinstance(text, Text) and text.msgid == msgid
    assert str(text) == catalogue("en")[msgid]
    assert translator("ja")(text) == catalogue("ja")[msgid]
    assert "@-sign" not in str(text)  # email-validator's own English is never passed on


# -- toiawase.js and toiawase-files.js ------------------------------------------------------

SITE = Path(__file__).resolve().parents[2] / "examples" / "site"


def _script_table() -> dict[str, dict[str, str]]:
    source = (SITE / "toiawase.js").read_text("utf-8")
    start = source.index("var TEXTS = ") + len("var TEXTS = ")
    table: dict[str, dict[str, str]] = json.JSONDecoder().raw_decode(source[start:])[0]
    return table


def test_the_scripts_words_are_the_catalogues_js_entries():
    table = _script_table()
    assert set(table) == set(LANGUAGES)
    for language in LANGUAGES:
        shipped = {
            msgid.removeprefix("js."): text
            for msgid, text in catalogue(language).items()
            if msgid.startswith("js.")
        }
        assert table[language] == shipped, language


def test_the_scripts_use_only_words_from_the_table():
    """No visitor-facing literal in the scripts outside the table: every ``say(…, "key")`` names
    a key of the table, and no quoted English sentence is left in the code."""
    table = _script_table()["en"]
    main = (SITE / "toiawase.js").read_text("utf-8")
    files = (SITE / "toiawase-files.js").read_text("utf-8")
    code = main[main.index("function languageOf") :] + files
    for key in re.findall(r'say\(\w+, "([\w.]+)"\)', main):
        assert key in table, key
    for key in re.findall(r'say\(language, (?:cancelled \? )?"(\w+)"', files):
        assert f"files.{key}" in table, key
    for key in re.findall(r"TEXT\.(\w+)", main):
        assert key in table, key
    sentences = re.findall(r'"([A-Z][a-z]+ [a-z]+[^"]*)"', code)
    assert not sentences, sentences
