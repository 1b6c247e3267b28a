"""Policy file + its parents -> an immutable :class:`CompiledPolicy`.

Loading a policy reads its YAML with positions (:mod:`..source`), validates it against the models (:mod:`..model`),
loads and merges the parent chain (``extends``, :mod:`.layers`), checks every reference (:mod:`.checks`) and
compiles every expression once (:mod:`..expressions`), in the phases of :mod:`.compile`; the rules of each record
kind become one generated function (:mod:`.plan`). Dated parameters are resolved by one function,
:meth:`CompiledParameter.value_at` (:mod:`.parameters`). All problems of all phases are collected and raised
together as one :class:`PolicyError`. A compiled policy pickles by reference to its source files (:mod:`.pickling`).
"""

from .compile import compile_file, load_compiled
from .layers import Origin, bundled_dir, bundled_ids, resolve_ref
from .parameters import CompiledParameter, ParamSet, resolve_parameters
from .pickling import PolicyRef, lookup, reference
from .policy import (
    OPS,
    CompiledBenefit,
    CompiledExclusion,
    CompiledPolicy,
    CompiledRule,
    CompiledSubsidy,
    KindPlan,
    override_parameters,
)
from .provenance import Provenance

__all__ = [
    "OPS",
    "CompiledBenefit",
    "CompiledExclusion",
    "CompiledParameter",
    "CompiledPolicy",
    "CompiledRule",
    "CompiledSubsidy",
    "KindPlan",
    "Origin",
    "ParamSet",
    "PolicyRef",
    "Provenance",
    "bundled_dir",
    "bundled_ids",
    "compile_file",
    "load_compiled",
    "lookup",
    "override_parameters",
    "reference",
    "resolve_parameters",
    "resolve_ref",
]
