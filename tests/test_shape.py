"""Guards on the package's shape: imports only go down the layers, the API page matches ``__all__``."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import fakeopenai

PACKAGE = Path(fakeopenai.__file__).resolve().parent
API_PAGE = PACKAGE.parent / "docs" / "api.md"

# Lower layers never import higher ones (docs/design.md). Private modules not listed are helpers of
# the wire layer (rank 1): they may import ranks 0 and 1 only, which keeps a new module honest.
RANKS = {
    "_wire": 0,
    "_errors": 0,
    "_ids": 0,
    "_tokens": 0,
    "_validation": 0,
    "_limits": 0,
    "_state": 2,
    "endpoints": 3,
    "_core": 4,
    "_cassette": 4,
    "_fake": 5,
    "_transport": 6,
    "transports": 6,
    "_httpx2": 6,
    "_patch": 6,
    "_scenario": 6,
    "_upstream": 6,
    "_cassette_patch": 6,
    "pytest_plugin": 6,
    "_demo": 7,
    "server": 7,
    "__main__": 8,
    "__init__": 8,
}


def rank(module: str) -> int:
    """The layer of ``module`` (a dotted name inside the package, e.g. ``endpoints.chat``)."""
    return RANKS.get(module.split(".")[0], 1)


def module_names() -> list[str]:
    return sorted(
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts) for path in PACKAGE.rglob("*.py")
    )


def eager_imports(module: str) -> set[str]:
    """Package modules ``module`` imports when it is imported (not in functions, not for type checking)."""
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    package = module.split(".")[:-1]
    found: set[str] = set()

    def eager(nodes: list[ast.stmt]) -> list[ast.stmt]:
        """Statements run at import: not function bodies (lazy on purpose), not ``if TYPE_CHECKING``."""
        out: list[ast.stmt] = []
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                out += eager(node.orelse)
                continue
            out.append(node)
            for name in ("body", "orelse", "finalbody"):
                out += eager(getattr(node, name, []))
            for handler in getattr(node, "handlers", []):
                out += eager(handler.body)
        return out

    for child in eager(ast.parse(path.read_text()).body):
        if isinstance(child, ast.ImportFrom) and child.level:
            base = package[: len(package) - (child.level - 1)] if child.level > 1 else list(package)
            target = [*base, *(child.module.split(".") if child.module else [])]
            if child.module:
                found.add(".".join(target))
            else:
                found.update(".".join([*target, alias.name]) for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("fakeopenai."):
            found.add(child.module.removeprefix("fakeopenai."))
    return {name for name in found if name}


def test_layers_are_respected() -> None:
    upward = [
        f"{module} (layer {rank(module)}) imports {target} (layer {rank(target)})"
        for module in module_names()
        for target in eager_imports(module)
        if rank(target) > rank(module)
    ]
    assert not upward, "imports going up the layers:\n" + "\n".join(upward)


def test_layer_check_sees_imports() -> None:
    """The guard itself works: the core imports the endpoints and the state."""
    assert {"_state", "endpoints"} <= {name.split(".")[0] for name in eager_imports("_core")}


def test_api_page_matches_all() -> None:
    documented = set(re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)", API_PAGE.read_text(), flags=re.MULTILINE))
    exported = set(fakeopenai.__all__)
    assert not exported - documented, f"public names missing from docs/api.md: {sorted(exported - documented)}"
    assert not documented - exported - {"fake_openai"}, (
        f"docs/api.md documents names that fakeopenai does not export: {sorted(documented - exported)}"
    )


@pytest.mark.parametrize("name", fakeopenai.__all__)
def test_public_names_have_docstrings(name: str) -> None:
    try:
        obj = getattr(fakeopenai, name)
    except ImportError as exc:  # Httpx2Transport where httpx2 is not installed (openai 1.x)
        pytest.skip(f"fakeopenai.{name} needs a package not installed here: {exc}")
    if isinstance(obj, type) or inspect.isfunction(obj):
        assert (obj.__doc__ or "").strip(), f"fakeopenai.{name} has no docstring"
