"""Command-line options every owner command spells the same way, defined once.

Its own small module because ``toiawase.cli`` imports the data commands (``ops.data_command``)
to build its parser, so neither can hold an option the other imports without an import cycle.
It imports nothing but ``argparse``: ``toiawase --help`` stays as cheap as it was.
"""

from __future__ import annotations

import argparse

REGION_HELP = "the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)"


def add_region_argument(parser: argparse.ArgumentParser) -> None:
    """``--region REGION``: unset means boto3's own choice (the environment, then the profile)."""
    parser.add_argument("--region", metavar="REGION", help=REGION_HELP)
