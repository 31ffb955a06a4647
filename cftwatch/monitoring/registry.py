"""The rule registry: every module of `cftwatch.monitoring.rules` that defines `RULE`.

Rules are found, not listed: a new module in `rules/` is a new rule. The pack comes back
in its documented order (`RuleSpec.position`, then id); two modules defining the same id
are refused, as is a module whose name is not its rule's id.
"""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module
from types import ModuleType

from cftwatch.monitoring import rules as rules_package
from cftwatch.monitoring.spec import RuleSpec


class RuleRegistryError(RuntimeError):
    """The rule package is inconsistent (a programming error, found at import)."""


def rules_in(package: ModuleType) -> tuple[RuleSpec, ...]:
    """The `RULE` of every module in `package`, in documented order; ids must be unique."""
    found: dict[str, RuleSpec] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{package.__name__}.{info.name}")
        spec = getattr(module, "RULE", None)
        if not isinstance(spec, RuleSpec):
            raise RuleRegistryError(f"{module.__name__} defines no RuleSpec named RULE")
        if spec.id in found:
            raise RuleRegistryError(f"rule id {spec.id!r} is defined twice ({module.__name__})")
        if spec.id != info.name:
            raise RuleRegistryError(f"{module.__name__} defines rule {spec.id!r}: name it so")
        found[spec.id] = spec
    return tuple(sorted(found.values(), key=lambda s: (s.position, s.id)))


@cache
def _builtin_pack() -> tuple[RuleSpec, ...]:
    return rules_in(rules_package)


def builtin_rules() -> list[RuleSpec]:
    """The built-in rule pack, in its documented order."""
    return list(_builtin_pack())
