"""The ``toiawase`` command: ``dev`` (local endpoint), ``invoke`` (run a sample event) and
``doctor`` (check that mail from a domain through SES will arrive)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _dev(args: argparse.Namespace) -> int:
    from toiawase.local.devserver import make_server
    from toiawase.local.runner import start_runner

    runner = start_runner(real_ses=args.real_ses)
    server = make_server(runner, args.host, args.port)
    host, port = args.host, server.server_port
    mode = "real SES (your AWS credentials)" if args.real_ses else "embedded SES (moto)"
    print(f"toiawase dev: POST forms to http://{host}:{port}/submit  [{mode}]", flush=True)
    print("Sent messages are printed here. Ctrl-C stops.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
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


def _doctor(args: argparse.Namespace) -> int:
    # Imported here, like the other commands' modules: no Lambda handler loads the doctor.
    from toiawase.doctor.command import run

    return run(args)


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    from toiawase.doctor.command import add_arguments

    add_arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toiawase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the local endpoint with embedded SES")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument(
        "--real-ses", action="store_true", help="send through real SES with your AWS credentials"
    )
    dev.set_defaults(func=_dev)
    invoke = commands.add_parser("invoke", help="invoke the submit handler with a sample event")
    invoke.add_argument("event", help="a payload-2.0 event file, e.g. events/json.json")
    invoke.add_argument(
        "--real-ses", action="store_true", help="send through real SES with your AWS credentials"
    )
    invoke.set_defaults(func=_invoke)
    doctor = commands.add_parser(
        "doctor",
        help="check SES and DNS for a sending domain: DKIM, MAIL FROM, SPF, DMARC, sandbox",
        description="Check that mail from DOMAIN through Amazon SES will arrive. Exit 0 when "
        "nothing fails, 1 when something does, 2 for a usage error.",
    )
    _doctor_arguments(doctor)
    doctor.set_defaults(func=_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
