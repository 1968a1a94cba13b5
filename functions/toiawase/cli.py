"""The ``toiawase`` command: ``dev`` (local endpoint, site, mail preview), ``invoke`` (run a
sample event), ``redrive`` (send held submissions again, or ``--target`` one notify target),
``deliveries`` (each notify target's state) and ``doctor`` (check that mail from a
domain through SES will arrive)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _dev(args: argparse.Namespace) -> int:
    import os
    import signal

    from toiawase.local.devforms import (
        OPENAPI_PATH,
        CompiledForms,
        FormsFileError,
        chosen_forms_file,
        compile_forms,
        openapi_json,
        use_compiled,
    )
    from toiawase.local.devserver import make_server, start_queue_drainer
    from toiawase.local.runner import start_runner
    from toiawase.local.site import default_site_root

    site_root: Path | None = args.site if args.site is not None else default_site_root()
    if site_root is not None and not site_root.is_dir():
        print(f"toiawase dev: --site {site_root}: not a folder", file=sys.stderr)
        return 2
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
            return 1
        use_compiled(forms)
    else:
        os.environ.pop("FORMS_FILE", None)  # environment mode: the variables describe one form
    # `kill` (SIGTERM, as test harnesses stop it) ends the server like Ctrl-C: the compiled
    # forms file is removed on the way out.
    signal.signal(signal.SIGTERM, _stop)
    try:
        # Bind first, so that the default origins and thank-you page name the port really bound.
        server = make_server(None, args.host, args.port, site_root=site_root)
        host, port = args.host, server.server_port
        server.runner = start_runner(real_ses=args.real_ses, port=port)
        base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        server.openapi = openapi_json(os.environ, base)
        start_queue_drainer(server.runner, sys.stdout)
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
        print("Sent messages are printed here. Ctrl-C stops.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        if forms is not None:
            forms.cleanup()
    return 0


def _invoke(args: argparse.Namespace) -> int:
    from toiawase.local.runner import describe_result, start_runner
    from toiawase.local.sesbox import format_mail

    try:
        event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"toiawase invoke: cannot read {args.event}: {exc}", file=sys.stderr)
        return 2
    runner = start_runner(real_ses=args.real_ses)
    result, mails = runner.invoke(event)
    print(describe_result(result))
    if not mails:
        print("(no email was sent)")
    for mail in mails:
        print(format_mail(mail))
    return 0


def _resources(args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """The submissions table, retry queue and dead-letter queue: from the flags, else the
    stack's outputs (``--stack``), else the environment."""
    import os

    import boto3

    from toiawase.ops.redrive import stack_outputs

    table, queue_url, dlq_url = args.table, args.queue_url, args.dlq_url
    if args.stack:
        outputs = stack_outputs(boto3.client("cloudformation"), args.stack)
        table = table or outputs.get("SubmissionsTableName")
        queue_url = queue_url or outputs.get("RetryQueueUrl")
        dlq_url = dlq_url or outputs.get("RetryDeadLetterQueueUrl")
    table = table or os.environ.get("SUBMISSIONS_TABLE")
    queue_url = queue_url or os.environ.get("RETRY_QUEUE_URL")
    dlq_url = dlq_url or os.environ.get("RETRY_DLQ_URL")
    return table, queue_url, dlq_url


def _delivery_resources(args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """The submissions table, delivery queue and delivery dead-letter queue: from the flags,
    else the stack's outputs (``--stack``), else the environment."""
    import os

    import boto3

    from toiawase.ops.redrive import stack_outputs

    table = args.table
    queue_url = args.delivery_queue_url
    dlq_url = args.delivery_dlq_url
    if args.stack:
        outputs = stack_outputs(boto3.client("cloudformation"), args.stack)
        table = table or outputs.get("SubmissionsTableName")
        queue_url = queue_url or outputs.get("DeliveryQueueUrl")
        dlq_url = dlq_url or outputs.get("DeliveryDeadLetterQueueUrl")
    table = table or os.environ.get("SUBMISSIONS_TABLE")
    queue_url = queue_url or os.environ.get("DELIVERY_QUEUE_URL")
    dlq_url = dlq_url or os.environ.get("DELIVERY_DLQ_URL")
    return table, queue_url, dlq_url


def _deliveries(args: argparse.Namespace) -> int:
    import boto3

    from toiawase.adapters.delivery_store import DynamoTargetStates
    from toiawase.ops.deliveries import describe_deliveries

    table, _, _ = _delivery_resources(args)
    if not table:
        print("toiawase deliveries: name the stack (--stack) or --table", file=sys.stderr)
        return 2
    states = DynamoTargetStates(boto3.client("dynamodb"), table)
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
        return 1
    print("\n".join(lines))
    return 0


def _redrive_target(args: argparse.Namespace) -> int:
    import boto3

    from toiawase.adapters.delivery_store import DynamoTargetStates
    from toiawase.ops.deliveries import redrive_target

    table, queue_url, dlq_url = _delivery_resources(args)
    if not table or not queue_url:
        print(
            "toiawase redrive --target: name the stack (--stack) or --table and "
            "--delivery-queue-url",
            file=sys.stderr,
        )
        return 2
    report = redrive_target(
        boto3.client("sqs"),
        queue_url,
        dlq_url,
        DynamoTargetStates(boto3.client("dynamodb"), table),
        args.target,
        args.id,
    )
    print(
        f"moved {report.moved_from_dlq} {args.target} delivery(ies) from the dead-letter queue; "
        f"queued {report.queued} more"
    )
    return 0


def _redrive(args: argparse.Namespace) -> int:
    import boto3

    if args.target:
        return _redrive_target(args)
    if args.id:
        print("toiawase redrive: --id goes with --target", file=sys.stderr)
        return 2

    from toiawase.adapters.dynamo_store import DynamoStore
    from toiawase.adapters.sqs_queue import SqsQueue
    from toiawase.ops.redrive import redrive

    table, queue_url, dlq_url = _resources(args)
    if not table or not queue_url:
        print(
            "toiawase redrive: name the stack (--stack) or --table and --queue-url", file=sys.stderr
        )
        return 2
    sqs = boto3.client("sqs")
    report = redrive(
        DynamoStore(boto3.client("dynamodb"), table),
        SqsQueue(sqs, queue_url),
        sqs,
        queue_url,
        dlq_url,
        include_received=args.include_received,
    )
    print(
        f"moved {report.moved_from_dlq} message(s) from the dead-letter queue; "
        f"re-queued {report.requeued} held submission(s)"
    )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    # Imported here, like the other commands' modules: no Lambda handler loads the doctor.
    from toiawase.doctor.command import run

    return run(args)


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    from toiawase.doctor.command import add_arguments

    add_arguments(parser)


def _spam(args: argparse.Namespace) -> int:
    import boto3

    from toiawase.adapters.dynamo_store import DynamoStore
    from toiawase.adapters.sqs_queue import SqsQueue
    from toiawase.ops.spam import describe_spam, release

    table, queue_url, _ = _resources(args)
    if not table or (args.action == "release" and not queue_url):
        print(
            "toiawase spam: name the stack (--stack) or --table (and --queue-url)", file=sys.stderr
        )
        return 2
    store = DynamoStore(boto3.client("dynamodb"), table)
    if args.action == "list":
        lines = describe_spam(store)
        print("\n".join(lines) if lines else "(no submissions kept as spam)")
        return 0
    assert queue_url is not None
    if not args.id:
        print("toiawase spam release: give the submission id", file=sys.stderr)
        return 2
    if not release(store, SqsQueue(boto3.client("sqs"), queue_url), args.id):
        print(f"toiawase spam: {args.id} is not a kept spam submission", file=sys.stderr)
        return 1
    print(f"queued {args.id} for sending")
    return 0


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", help="the deployed stack's name (reads its outputs)")
    parser.add_argument("--table", help="submissions table (default: $SUBMISSIONS_TABLE)")
    parser.add_argument("--queue-url", help="retry queue URL (default: $RETRY_QUEUE_URL)")
    parser.add_argument("--dlq-url", help="dead-letter queue URL (default: $RETRY_DLQ_URL)")


def _delivery_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--delivery-queue-url", help="delivery queue URL (default: $DELIVERY_QUEUE_URL)"
    )
    parser.add_argument(
        "--delivery-dlq-url", help="delivery dead-letter queue URL (default: $DELIVERY_DLQ_URL)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toiawase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the local endpoint with embedded SES")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    dev.add_argument(
        "--site",
        type=Path,
        default=None,
        help="a folder of static files to serve at / (default: the example site, examples/site)",
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
    invoke = commands.add_parser("invoke", help="invoke the submit handler with a sample event")
    invoke.add_argument("event", help="a payload-2.0 event file, e.g. events/json.json")
    invoke.add_argument(
        "--real-ses", action="store_true", help="send through real SES with your AWS credentials"
    )
    invoke.set_defaults(func=_invoke)
    redrive = commands.add_parser(
        "redrive", help="send held submissions again (after fixing the cause)"
    )
    _stack_arguments(redrive)
    redrive.add_argument(
        "--include-received",
        action="store_true",
        help="also resend submissions stuck in 'received' (SES may have accepted them already)",
    )
    redrive.add_argument(
        "--target",
        help="redeliver one notify target (webhook-1, slack-1, receipt ...) instead of emails",
    )
    redrive.add_argument("--id", help="with --target: only this submission's delivery")
    _delivery_arguments(redrive)
    redrive.set_defaults(func=_redrive)
    deliveries = commands.add_parser(
        "deliveries", help="each notify target's state for one submission (never its content)"
    )
    deliveries.add_argument("id", help="the submission id")
    deliveries.add_argument(
        "--forms", help="the compiled forms file (forms.json): also lists targets not tried yet"
    )
    _stack_arguments(deliveries)
    _delivery_arguments(deliveries)
    deliveries.set_defaults(func=_deliveries)
    spam = commands.add_parser(
        "spam", help="list what the honeypot kept, or release a false positive for sending"
    )
    spam.add_argument("action", choices=["list", "release"])
    spam.add_argument("id", nargs="?", help="with release: the submission id")
    _stack_arguments(spam)
    spam.set_defaults(func=_spam)
    doctor = commands.add_parser(
        "doctor",
        help="check SES and DNS for a sending domain: DKIM, MAIL FROM, SPF, DMARC, sandbox",
        description="Check that mail from DOMAIN through Amazon SES will arrive. Exit 0 when "
        "nothing fails, 1 when something does, 2 for a usage error.",
    )
    _doctor_arguments(doctor)
    doctor.set_defaults(func=_doctor)
    # forms check|compile and openapi (toiawase/forms: PyYAML + jsonschema, never in the Lambda).
    from toiawase.forms.command import add_parsers as _forms_parsers

    _forms_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
