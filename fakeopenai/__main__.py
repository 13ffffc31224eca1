"""``python -m fakeopenai {demo,serve,routes}`` (also the ``fakeopenai`` console script)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: python -m fakeopenai COMMAND [options]

commands:
  demo     stream a reply through the real openai SDK, in-process, token by token
  serve    run the fake as an HTTP server for clients in any language (needs the [server] extra)
  routes   print the table of routes served (hand-built families, then those generated from the SDK)

Run 'python -m fakeopenai COMMAND --help' for the options of a command."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "demo":
        from ._demo import main as demo

        return demo(rest)
    if command == "serve":
        from .server import main as serve  # type: ignore[import-not-found, unused-ignore]

        return int(serve(rest))
    if command == "routes":
        from ._routes_table import markdown

        print(markdown(generated="--hand-built" not in rest))
        return 0
    print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
