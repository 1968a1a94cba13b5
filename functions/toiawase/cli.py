"""The ``toiawase`` command: ``dev`` (local endpoint, site, mail preview), ``invoke`` (run a
sample event), ``doctor`` (check that mail from a domain through SES will arrive), ``redrive``
(send held submissions again) and ``spam`` (review what the honeypot kept).

Every help text is plain text with examples and the exit codes; the flags that mean the same
thing are spelled the same in every command: ``--stack``, ``--region``, ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from toiawase.ops.options import add_region_argument

OK, FAILED, USAGE = 0, 1, 2


def exit_codes(ok: str = "done", failed: str | None = None) -> str:
    """The "exit codes:" paragraph of a help text."""
    lines = ["exit codes:", f"  {OK}  {ok}"]
    if failed:
        lines.append(f"  {FAILED}  {failed}")
    lines.append(f"  {USAGE}  usage error: a missing or wrong argument (the message says which)")
    return "\n".join(lines)


DESCRIPTION = """toiawase: a self-hosted form endpoint for static websites.

A site's <form action="..."> posts to an AWS HTTP API; a Python Lambda validates the
submission and emails it through Amazon SES from the owner's verified domain, with the
submitter only in Reply-To. These commands run it locally and look after a deployed stack."""

EPILOG = """examples:
  toiawase dev                                  the example site, endpoint and mail preview on :3000
  toiawase invoke events/urlencoded-japanese.json
  toiawase doctor example.com --sender forms@example.com
  toiawase redrive --stack toiawase --region eu-west-1
  toiawase spam list --stack toiawase --json

common flags (the same in every command that has them):
  --stack NAME     the deployed form stack; its outputs name the table and queues
  --region REGION  the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)
  --json           machine-readable output on stdout

Run "toiawase COMMAND --help" for a command's own options and examples.
The documentation is in docs/ (start with README.md).

""" + exit_codes(failed="a command found a problem (doctor: a check failed; spam release)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("toiawase")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _dev(args: argparse.Namespace) -> int:
    import signal

    from toiawase.local.devforms import (
        OPENAPI_PATH,
        CompiledForms,
        FormsFileError,
        add_demo_form,
        chosen_forms_file,
        compile_forms,
        openapi_json,
        use_compiled,
    )
    from toiawase.local.devserver import (
        make_server,
        reaches_loopback,
        start_local_receiver,
        start_queue_drainer,
    )
    from toiawase.local.runner import start_runner
    from toiawase.local.site import default_site_root

    site_root: Path | None = args.site if args.site is not None else default_site_root()
    if site_root is not None and not site_root.is_dir():
        print(f"toiawase dev: --site {site_root}: not a folder", file=sys.stderr)
        return USAGE
    # The forms file first: a broken one stops here, every problem with its line and column.
    source = chosen_forms_file(args.forms, disabled=args.no_forms, cwd=Path.cwd())
    forms: CompiledForms | None = None
    if source is not None:
        try:
            forms = compile_forms(source)
        except FormsFileError as exc:
            for line in exc.lines:
                print(line, file=sys.stderr)
            print("toiawase dev: fix the forms file (or --no-forms)", file=sys.stderr)
            return FAILED
        use_compiled(forms)
    else:
        os.environ.pop("FORMS_FILE", None)  # environment mode: the variables describe one form
    if args.logs == "json":
        # The handler's EMF metric lines, as in Lambda (the local default switches them off).
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "false")
    # `kill` (SIGTERM, as test harnesses stop it) ends the server like Ctrl-C: the compiled
    # forms file is removed on the way out.
    signal.signal(signal.SIGTERM, _stop)
    out = sys.stdout
    try:
        # Bind first, so that the default origins and thank-you page name the port really bound.
        server = make_server(None, args.host, args.port, site_root=site_root, out=out)
        server.log_format = args.logs
        host, port = args.host, server.server_port
        # Deliveries run with embedded AWS only, and reach the receiver at 127.0.0.1.
        receiver = (
            start_local_receiver(server) if reaches_loopback(host) and not args.real_ses else None
        )
        demo = None
        if receiver is not None and forms is not None:
            demo = add_demo_form(forms, receiver.base, receiver.secret)
        server.runner = start_runner(real_ses=args.real_ses, port=port, tap_logs=True)
        base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        server.openapi = openapi_json(os.environ, base)
        start_queue_drainer(server.runner, out, log_format=args.logs)
        mode = "real SES (your AWS credentials)" if args.real_ses else "embedded SES (moto)"
        print(f"toiawase dev: POST forms to {base}/submit  [{mode}]", flush=True)
        if forms is not None:
            print(f"  forms:         {base}/f/<id>  (from {forms.source})", flush=True)
        else:
            print("  forms:         one, from the environment (no forms.yaml)", flush=True)
        print(f"  OpenAPI:       {base}{OPENAPI_PATH}", flush=True)
        if site_root is not None:
            print(f"  site:          {base}/  (from {site_root})", flush=True)
        print(f"  mail preview:  {base}/_mail", flush=True)
        if receiver is not None:
            shown = f"; try POST {base}/f/{demo}" if demo else ""
            print(
                f"  deliveries:    {base}/_mail/deliveries  (webhook, Slack and Discord targets"
                f" are sent to this server{shown})",
                flush=True,
            )
        if server.runner.stack is not None:
            from toiawase.local.awsbox import start_local_aws_endpoint

            endpoint = start_local_aws_endpoint()
            table = server.runner.stack.submissions_table
            print(
                f"  your data:     toiawase submissions list --endpoint-url {endpoint} "
                f"--table {table}",
                flush=True,
            )
        shown = "JSON logs and EMF metrics" if args.logs == "json" else "one line per request"
        print(f"Sent messages and {shown} are printed here. Ctrl-C stops.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        if forms is not None:
            forms.cleanup()
    # Everything is cleaned up. A dev server that has served a while holds a large heap
    # (moto's tables, queues and messages, the receiver's requests), and the interpreter's
    # final garbage collection of it took seconds after SIGTERM (longer than test harnesses
    # wait): end the process here instead, as nothing is left to run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(OK)


def _invoke(args: argparse.Namespace) -> int:
    from toiawase.local.runner import describe_result, start_runner
    from toiawase.local.sesbox import format_mail

    try:
        event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"toiawase invoke: cannot read {args.event}: {exc}", file=sys.stderr)
        return USAGE
    if not isinstance(event, dict):
        print(f"toiawase invoke: {args.event}: not a payload-2.0 event object", file=sys.stderr)
        return USAGE
    runner = start_runner(real_ses=args.real_ses, tap_logs=True)
    done = runner.invoke_logged(event)
    if args.json:
        report = {
            "result": json.loads(describe_result(done.result)),
            "mails": [
                {"from": m.parsed()["From"], "to": list(m.destinations), "raw": m.raw.decode()}
                for m in done.mails
            ],
            "logs": done.logs,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return OK
    print(describe_result(done.result))
    if not done.mails:
        print("(no email was sent)")
    for mail in done.mails:
        print(format_mail(mail))
    return OK


def _resources(args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """The submissions table, retry queue and dead-letter queue: from the flags, else the
    stack's outputs (``--stack``), else the environment."""
    return _table_and_queues(
        args,
        (args.queue_url, "RetryQueueUrl", "RETRY_QUEUE_URL"),
        (args.dlq_url, "RetryDeadLetterQueueUrl", "RETRY_DLQ_URL"),
    )


def _table_and_queues(
    args: argparse.Namespace, queue: tuple[str | None, str, str], dlq: tuple[str | None, str, str]
) -> tuple[str | None, str | None, str | None]:
    """The table and a queue pair, each from its flag, else the stack's output of that name,
    else its environment variable (``queue`` and ``dlq`` are flag value, output, variable)."""
    from toiawase.ops.redrive import stack_outputs

    outputs = stack_outputs(_client(args, "cloudformation"), args.stack) if args.stack else {}
    found = [
        flag or outputs.get(output) or os.environ.get(variable)
        for flag, output, variable in (
            (args.table, "SubmissionsTableName", "SUBMISSIONS_TABLE"),
            queue,
            dlq,
        )
    ]
    return found[0], found[1], found[2]


def _client(args: argparse.Namespace, service: str) -> Any:  # noqa: ANN401 - a boto3 client
    import boto3

    factory: Any = boto3.client  # typed per service name; this one is chosen at run time
    return factory(service, region_name=args.region) if args.region else factory(service)


def _delivery_resources(args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """The submissions table, delivery queue and delivery dead-letter queue: from the flags,
    else the stack's outputs (``--stack``), else the environment."""
    return _table_and_queues(
        args,
        (args.delivery_queue_url, "DeliveryQueueUrl", "DELIVERY_QUEUE_URL"),
        (args.delivery_dlq_url, "DeliveryDeadLetterQueueUrl", "DELIVERY_DLQ_URL"),
    )


def _deliveries(args: argparse.Namespace) -> int:
    from toiawase.adapters.delivery_store import DynamoTargetStates
    from toiawase.ops.deliveries import describe_deliveries

    table, _, _ = _delivery_resources(args)
    if not table:
        print("toiawase deliveries: name the stack (--stack) or --table", file=sys.stderr)
        return USAGE
    states = DynamoTargetStates(_client(args, "dynamodb"), table)
    form = None
    if args.forms:
        from toiawase.core.forms.load import load_forms_file
        from toiawase.forms.check import placeholder_settings

        record, _ = states.load(args.id)
        config = load_forms_file(args.forms, placeholder_settings())
        form = config.get(record.form_id or "default") if record is not None else None
    lines = describe_deliveries(states, args.id, form)
    if lines is None:
        print(f"toiawase deliveries: no submission {args.id}", file=sys.stderr)
        return FAILED
    if args.json:
        print(json.dumps({"id": args.id, "targets": lines}, ensure_ascii=False))
        return OK
    print("\n".join(lines))
    return OK


def _redrive_target(args: argparse.Namespace) -> int:
    from toiawase.adapters.delivery_store import DynamoTargetStates
    from toiawase.ops.deliveries import redrive_target

    table, queue_url, dlq_url = _delivery_resources(args)
    if not table or not queue_url:
        print(
            "toiawase redrive --target: name the stack (--stack) or --table and "
            "--delivery-queue-url",
            file=sys.stderr,
        )
        return USAGE
    report = redrive_target(
        _client(args, "sqs"),
        queue_url,
        dlq_url,
        DynamoTargetStates(_client(args, "dynamodb"), table),
        args.target,
        args.id,
    )
    if args.json:
        print(json.dumps({"moved_from_dlq": report.moved_from_dlq, "queued": report.queued}))
        return OK
    print(
        f"moved {report.moved_from_dlq} {args.target} delivery(ies) from the dead-letter queue; "
        f"queued {report.queued} more"
    )
    return OK


def _delivery_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--delivery-queue-url", help="delivery queue URL (default: $DELIVERY_QUEUE_URL)"
    )
    parser.add_argument(
        "--delivery-dlq-url", help="delivery dead-letter queue URL (default: $DELIVERY_DLQ_URL)"
    )


def _redrive(args: argparse.Namespace) -> int:
    if args.target:
        return _redrive_target(args)
    if args.id:
        print("toiawase redrive: --id goes with --target", file=sys.stderr)
        return USAGE
    from toiawase.adapters.dynamo_store import DynamoStore
    from toiawase.adapters.sqs_queue import SqsQueue
    from toiawase.ops.redrive import redrive

    table, queue_url, dlq_url = _resources(args)
    if not table or not queue_url:
        print(
            "toiawase redrive: name the stack (--stack) or --table and --queue-url", file=sys.stderr
        )
        return USAGE
    sqs = _client(args, "sqs")
    report = redrive(
        DynamoStore(_client(args, "dynamodb"), table),
        SqsQueue(sqs, queue_url),
        sqs,
        queue_url,
        dlq_url,
        include_received=args.include_received,
    )
    if args.json:
        print(json.dumps({"moved_from_dlq": report.moved_from_dlq, "requeued": report.requeued}))
        return OK
    print(
        f"moved {report.moved_from_dlq} message(s) from the dead-letter queue; "
        f"re-queued {report.requeued} held submission(s)"
    )
    return OK


def _doctor(args: argparse.Namespace) -> int:
    # Imported here, like the other commands' modules: no Lambda handler loads the doctor.
    from toiawase.doctor.command import run

    return run(args)


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    from toiawase.doctor.command import add_arguments

    add_arguments(parser)


def _spam(args: argparse.Namespace) -> int:
    from toiawase.adapters.dynamo_store import DynamoStore
    from toiawase.adapters.sqs_queue import SqsQueue
    from toiawase.ops.spam import describe_spam, release, spam_entries

    table, queue_url, _ = _resources(args)
    if not table or (args.action == "release" and not queue_url):
        print(
            "toiawase spam: name the stack (--stack) or --table (and --queue-url)", file=sys.stderr
        )
        return USAGE
    store = DynamoStore(_client(args, "dynamodb"), table)
    if args.action == "list":
        if args.json:
            print(json.dumps(spam_entries(store), ensure_ascii=False, indent=2))
            return OK
        lines = describe_spam(store)
        print("\n".join(lines) if lines else "(no submissions kept as spam)")
        return OK
    assert queue_url is not None
    if not args.id:
        print("toiawase spam release: give the submission id", file=sys.stderr)
        return USAGE
    released = release(store, SqsQueue(_client(args, "sqs"), queue_url), args.id)
    if args.json:
        print(json.dumps({"id": args.id, "queued": released}))
    elif released:
        print(f"queued {args.id} for sending")
    if not released:
        print(f"toiawase spam: {args.id} is not a kept spam submission", file=sys.stderr)
        return FAILED
    return OK


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack", metavar="NAME", help="the deployed form stack's name (reads its outputs)"
    )
    add_region_argument(parser)
    parser.add_argument("--table", help="submissions table (default: $SUBMISSIONS_TABLE)")
    parser.add_argument("--queue-url", help="retry queue URL (default: $RETRY_QUEUE_URL)")
    parser.add_argument("--dlq-url", help="dead-letter queue URL (default: $RETRY_DLQ_URL)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def _command(
    commands: Any,  # noqa: ANN401 - argparse's private _SubParsersAction
    name: str,
    summary: str,
    description: str,
    examples: str,
    codes: str,
) -> argparse.ArgumentParser:
    """A subcommand whose help is plain text: what it does, examples, exit codes."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.dedent(description).strip(),
        epilog="examples:\n"
        + textwrap.indent(textwrap.dedent(examples).strip(), "  ")
        + "\n\n"
        + codes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _describe(parser: argparse.ArgumentParser, description: str, examples: str, codes: str) -> None:
    """Give a parser made elsewhere the same plain-text help: description, examples, codes."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = textwrap.dedent(description).strip()
    parser.epilog = (
        "examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  ") + "\n\n" + codes
    )


def _document_forms_commands(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers
    forms_codes = exit_codes(failed="the forms file has problems (each printed with its place)")
    _describe(
        commands.choices["forms"],
        """
        Check or compile the forms file (forms.yaml): every form, its fields, recipients and
        redirects. "check" prints every problem with its line and column; "check --resolve"
        also resolves each webhook host name (DNS) and refuses one that resolves to a private,
        loopback or link-local address; "compile" checks, then writes the JSON the function
        reads (FORMS_FILE).
        """,
        """
          toiawase forms check
          toiawase forms check site/forms.yaml
          toiawase forms check --resolve
          toiawase forms compile forms.yaml build/forms.json
        """,
        forms_codes,
    )
    _document_subcommands(
        commands.choices["forms"],
        {
            "check": (
                """
                Check the forms file: the schema, every field's options, recipients, redirects
                and webhook URLs. Prints every problem with its line and column.
                """,
                """
                  toiawase forms check
                  toiawase forms check site/forms.yaml
                """,
            ),
            "compile": (
                """
                Check the forms file, then write the JSON the function reads (FORMS_FILE); the
                build (sam build) runs this for you.
                """,
                """
                  toiawase forms compile forms.yaml build/forms.json
                """,
            ),
        },
        forms_codes,
    )
    _describe(
        commands.choices["openapi"],
        """
        Write an OpenAPI 3.1 document of the HTTP API, generated from the forms file: one
        operation per form, its fields and the answers.
        """,
        """
          toiawase openapi
          toiawase openapi --forms forms.yaml --output openapi.json
        """,
        forms_codes,
    )


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-subcommands of ``parser`` (``submissions export``, ``forms check``…)."""
    for action in parser._actions:  # argparse keeps its subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _document_subcommands(
    parser: argparse.ArgumentParser, examples: dict[str, tuple[str, str]], codes: str
) -> None:
    """Each sub-subcommand its own description and examples, so ``… export --help`` shows them."""
    children = _subcommands(parser)
    for name, (description, example) in examples.items():
        _describe(children[name], description, example, codes)


def _document_data_commands(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers
    _describe(
        commands.choices["submissions"],
        """
        The stored submissions of a deployed stack (or of make dev's tables): export them as
        CSV (UTF-8 with a BOM, one column per field, formula cells neutralised) or JSONL, list
        them with the reply-to address masked, or show everything kept about one. Reads use the
        table's indexes, never a scan. See docs/data.md.
        """,
        """
          toiawase submissions export --stack toiawase --format csv --output enquiries.csv
          toiawase submissions export --stack toiawase --form quote --format jsonl
          toiawase submissions list --stack toiawase --region eu-west-1
          toiawase submissions show 9f1c2b7e4a0d4c1e8b6a5f3d2e1c0b9a --stack toiawase
        """,
        exit_codes(failed="the stack, table or submission was not found"),
    )
    _document_subcommands(
        commands.choices["submissions"],
        {
            "export": (
                """
                Every stored submission in a window (default: the last 400 days), as CSV (UTF-8
                with a BOM so Excel shows Japanese; labels as headers; formula cells neutralised)
                or JSONL (every field as sent). A progress line counts rows on a terminal.
                """,
                """
                  toiawase submissions export --stack toiawase --format csv --output all.csv
                  toiawase submissions export --stack toiawase --since 2026-11-01 --format csv
                  toiawase submissions export --stack toiawase --region eu-west-1 --format jsonl
                """,
            ),
            "list": (
                """
                A table of submissions, oldest first: id, form, received, status, and the
                reply-to address masked (t***@example.jp) unless --show-addresses.
                """,
                """
                  toiawase submissions list --stack toiawase --limit 20
                  toiawase submissions list --stack toiawase --form quote --status failed --json
                """,
            ),
            "show": (
                """
                Everything kept about one submission, as JSON: its fields and labels, status,
                reason, attempts, SES message id, and each notification target's state.
                """,
                """
                  toiawase submissions show 9f1c2b7e4a0d4c1e8b6a5f3d2e1c0b9a --stack toiawase
                """,
            ),
        },
        exit_codes(failed="the stack, table or submission was not found"),
    )
    _describe(
        commands.choices["forget"],
        """
        Erase one person's data: every submission whose reply-to address is ADDRESS (matched
        by a keyed hash, never a plain index), its files and its idempotency records; then a
        tombstone (the hash only) keeps a late retry or a redrive from bringing it back. Prints
        what it deleted; --dry-run only shows it. See docs/data.md.
        """,
        """
          toiawase forget taro@example.jp --stack toiawase --dry-run
          toiawase forget taro@example.jp --stack toiawase
          toiawase forget taro@example.jp --stack toiawase --region eu-west-1 --json
        """,
        exit_codes(failed="the stack or table was not found"),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toiawase",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"toiawase {_version()}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dev = _command(
        commands,
        "dev",
        "run the local endpoint, the example site and the mail preview",
        """
        Run the endpoint locally: POST /submit and every API route go to the same Lambda
        handler that runs in AWS, as real payload-2.0 events; the example site (or --site) is
        served at / and every message SES accepted at /_mail. SES, DynamoDB and SQS are
        embedded (moto), so no AWS account is needed. The terminal shows one line per request
        (time, method, path, status, result, submission id, milliseconds) and each message sent.
        """,
        """
          toiawase dev                      http://127.0.0.1:3000/ (what make dev runs)
          toiawase dev --port 8080          origins and thank-you page follow the port
          toiawase dev --site ../my-site    serve your own static site at /
          toiawase dev --logs json          the handler's JSON logs and EMF metric lines
          toiawase dev --real-ses           send through real SES with your AWS credentials
        """,
        exit_codes("stopped with Ctrl-C"),
    )
    dev.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    dev.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("TOIAWASE_DEV_PORT") or 3000),
        help="port to listen on (default 3000, or $TOIAWASE_DEV_PORT); 0 picks a free port",
    )
    dev.add_argument(
        "--site",
        type=Path,
        default=None,
        help="a folder of static files to serve at / (default: the example site, examples/site)",
    )
    dev.add_argument(
        "--logs",
        choices=("pretty", "json"),
        default="pretty",
        help="pretty: one line per request (default); json: the handler's JSON logs and EMF",
    )
    dev.add_argument(
        "--real-ses", action="store_true", help="send through real SES with your AWS credentials"
    )
    dev.add_argument(
        "--forms",
        type=Path,
        default=None,
        help="the forms file to serve (default: ./forms.yaml when it exists)",
    )
    dev.add_argument(
        "--no-forms",
        action="store_true",
        help="ignore ./forms.yaml: the environment variables describe one form",
    )
    dev.set_defaults(func=_dev)

    invoke = _command(
        commands,
        "invoke",
        "run one sample event through the submit handler",
        """
        Run one API Gateway payload-2.0 event through the submit handler, with embedded SES
        (no Docker, no AWS account), and print the Lambda result and every message sent.
        events/ holds samples: Japanese urlencoded, JSON, multipart, an invalid address and
        two header-injection attempts.
        """,
        """
          toiawase invoke events/urlencoded-japanese.json
          toiawase invoke events/json.json --json
        """,
        exit_codes("the event ran (whatever the handler answered)"),
    )
    invoke.add_argument("event", help="a payload-2.0 event file, e.g. events/json.json")
    invoke.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: the result, the raw messages and the handler's log lines",
    )
    invoke.add_argument(
        "--real-ses", action="store_true", help="send through real SES with your AWS credentials"
    )
    invoke.set_defaults(func=_invoke)

    doctor = _command(
        commands,
        "doctor",
        "check SES and DNS for a sending domain: DKIM, MAIL FROM, SPF, DMARC, sandbox",
        """
        Check that mail from DOMAIN through Amazon SES will arrive. Asks SES (identity, DKIM,
        MAIL FROM, sandbox, quota, configuration set) and DNS (DKIM CNAMEs, MAIL FROM MX and
        SPF, the domain's SPF and DMARC) and prints PASS, WARN, FAIL or "not checked" for each,
        with the record or command that fixes it, then whether DMARC will pass.
        SES is only read; a refused permission is "not checked", never a crash.
        """,
        """
          toiawase doctor example.com --sender forms@example.com
          toiawase doctor example.com --region eu-west-1 --configuration-set toiawase-identity
          toiawase doctor example.com --nameserver ns1.example.net --json
        """,
        exit_codes("nothing failed (warnings allowed)", "a check failed"),
    )
    _doctor_arguments(doctor)
    doctor.set_defaults(func=_doctor)

    redrive = _command(
        commands,
        "redrive",
        "send held submissions again (after fixing the cause)",
        """
        After fixing what stopped mail (toiawase doctor helps), move the dead-letter queue
        back onto the retry queue and re-queue every submission kept as failed (and queued ones
        whose message was lost). The table and queues come from the stack's outputs (--stack),
        the flags, or the environment.
        """,
        """
          toiawase redrive --stack toiawase
          toiawase redrive --stack toiawase --region eu-west-1 --json
          toiawase redrive --stack toiawase --include-received
          toiawase redrive --stack toiawase --target webhook-1
        """,
        exit_codes(),
    )
    _stack_arguments(redrive)
    redrive.add_argument(
        "--include-received",
        action="store_true",
        help="also resend submissions stuck in 'received' (SES may have accepted them already)",
    )
    redrive.add_argument(
        "--target", metavar="NAME", help="redeliver this notify target instead (webhook-1, …)"
    )
    redrive.add_argument("--id", help="with --target: only this submission's delivery")
    _delivery_arguments(redrive)
    redrive.set_defaults(func=_redrive)

    deliveries = _command(
        commands,
        "deliveries",
        "each notify target's state for one submission (never its content)",
        """
        Show, for one submission, each notify target of its form (webhook, Slack, Discord, the
        receipt): delivered, retrying or dead, with attempts and the last error code. Never the
        submitted content or a target's URL. Redeliver one with redrive --target.
        """,
        """
          toiawase deliveries 9f1c0d2e3b4a59687766554433221100 --stack toiawase
          toiawase deliveries 9f1c0d2e3b4a59687766554433221100 --stack toiawase --json
        """,
        exit_codes(failed="no submission with that id"),
    )
    deliveries.add_argument("id", help="the submission id")
    deliveries.add_argument(
        "--forms", help="the compiled forms file (forms.json): also lists targets not tried yet"
    )
    _stack_arguments(deliveries)
    _delivery_arguments(deliveries)
    deliveries.set_defaults(func=_deliveries)

    spam = _command(
        commands,
        "spam",
        "list what the honeypot kept, or release a false positive for sending",
        """
        A submission that filled the honeypot got the normal answer but was not sent: it was
        kept with status spam. "list" shows each (id, time, address and the message's start:
        this is the one place submitted content is printed, in your own terminal); "release ID"
        sends one like any other submission.
        """,
        """
          toiawase spam list --stack toiawase
          toiawase spam list --stack toiawase --json
          toiawase spam release 9f1c0d2e3b4a59687766554433221100 --stack toiawase
        """,
        exit_codes(failed="release: the id is not a kept spam submission"),
    )
    spam.add_argument("action", choices=["list", "release"], help="list, or release ID")
    spam.add_argument("id", nargs="?", help="with release: the submission id")
    _stack_arguments(spam)
    spam.set_defaults(func=_spam)
    # forms check|compile and openapi (toiawase/forms: PyYAML + jsonschema, never in the Lambda).
    from toiawase.forms.command import add_parsers as _forms_parsers

    _forms_parsers(commands)
    _document_forms_commands(commands)
    # submissions export|list|show and forget (docs/data.md).
    from toiawase.ops.data_command import add_parsers as _data_parsers

    _data_parsers(commands)
    _document_data_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
