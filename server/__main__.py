"""``mindconverter-lsp`` / ``python -m mindconverter.server``: start the language server.

Transports: ``--stdio`` (the default; vscode-languageclient appends the flag) or
``--tcp --host H --port P`` for debugging.
"""

from __future__ import annotations

import argparse
import logging
import sys

from mindconverter import __version__


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="mindconverter-lsp", description="MindConverter language server"
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    transport.add_argument("--tcp", action="store_true", help="listen on a TCP port")
    parser.add_argument("--host", default="127.0.0.1", help="TCP address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument("--log-file", help="write the server log to this file")
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # vscode-languageclient may add --clientProcessId=N; accept and ignore unknown flags.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        logging.getLogger(__name__).info("ignoring arguments: %s", unknown)
    return args


def main(argv: list[str] | None = None) -> None:
    """Start the server on the chosen transport."""
    args = parse_args(argv)
    handler: logging.Handler = (
        logging.FileHandler(args.log_file, encoding="utf-8")
        if args.log_file
        else logging.StreamHandler(sys.stderr)
    )
    logging.basicConfig(level=args.log_level, handlers=[handler])
    from mindconverter.server.memory import pause_for_startup

    pause_for_startup()  # until `initialized` (see features.diagnostics.on_initialized)
    from mindconverter.server.server import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()


if __name__ == "__main__":
    main()
