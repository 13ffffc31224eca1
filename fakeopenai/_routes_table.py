"""The table of routes fakeopenai serves, as the README shows it (``python -m fakeopenai routes``).

Hand-built routes (stateful, with the real API's behaviour) come from the core's routing table, one
row per family; every other route the installed SDK knows is answered by the generated layer, one
row per SDK resource group with its count.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["markdown"]


def _same(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def _group(resource: str) -> str:
    """``containers.containers.create`` -> ``containers``; ``beta.threads.runs.runs.create`` -> ``beta.threads``."""
    parts: list[str] = []
    for part in resource.split(".")[:-1]:
        if not parts or parts[-1] != part:
            parts.append(part)
    return ".".join(parts[:2])


def markdown(generated: bool = True) -> str:
    """The route table in Markdown: hand-built families, then (``generated``) the SDK's other groups."""
    from ._core import ROUTES

    families: dict[str, list[str]] = {}
    for route in ROUTES:
        family = route.path.strip("/").split("/")[0]
        families.setdefault(family, []).append(f"`{route.method} {route.path}`")
    lines = [
        "| family | routes | how |",
        "|---|---|---|",
        *(f"| {family} | {' '.join(routes)} | hand-built |" for family, routes in families.items()),
    ]
    if generated:
        from ._sdk_routes import sdk_routes

        hand = {(route.method, _same(route.path)) for route in ROUTES}
        groups: Counter[str] = Counter()
        for sdk in sdk_routes():
            if (sdk.method, _same(sdk.path)) not in hand:
                groups[_group(sdk.resource)] += 1
        for group, count in sorted(groups.items()):
            lines.append(f"| {group} | {count} route{'s' if count > 1 else ''} | generated |")
    return "\n".join(lines)
