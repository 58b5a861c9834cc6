"""The project's import graph, read with `ast` (no code is imported): who imports whom.

Nodes are modules of `skill` (``skill.dialog.turn``), and the packages `rules` and `plugins`
as one node each (their own layering is checked separately). Every import counts, at module
level or inside a function, except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("skill", "rules", "plugins")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(name: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if node.lineno in skip if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            found.append((target, node.lineno, id(node) in top_level))
    return found


def node_of(target: str, known: set[str]) -> str | None:
    """The graph node an imported name belongs to (None: not ours)."""
    root = target.split(".")[0]
    if root in ("rules", "plugins"):
        return root
    if root != "skill":
        return None
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


@functools.cache
def graph() -> dict[str, set[str]]:
    """skill module -> the nodes it imports (packages' own __init__ re-exports resolved to modules)."""
    known = set(modules("skill"))
    edges: dict[str, set[str]] = {}
    for name, path in modules("skill").items():
        out = set()
        for target, _, _ in imports(name, path):
            node = node_of(target, known)
            if node is not None and node != name and not (name.startswith(node + ".") and node in known):
                out.add(node)
        # `from ..backends import outbound` names the package and its module: the module counts.
        out = {n for n in out if not any(other.startswith(n + ".") for other in out)}
        edges[name] = out
    return edges


def longest_chain() -> list[str]:
    """The longest import chain (modules, top to bottom); raises on a cycle."""
    edges = graph()
    best: dict[str, list[str]] = {}

    def walk(node: str, stack: tuple[str, ...]) -> list[str]:
        if node in stack:
            raise ValueError("import cycle: " + " -> ".join([*stack[stack.index(node):], node]))
        if node in best:
            return best[node]
        below = [walk(n, (*stack, node)) for n in edges.get(node, ())]
        best[node] = [node, *max(below, key=len, default=[])]
        return best[node]

    return max((walk(n, ()) for n in edges), key=len)


if __name__ == "__main__":
    chain = longest_chain()
    print(len(chain), " -> ".join(chain))
