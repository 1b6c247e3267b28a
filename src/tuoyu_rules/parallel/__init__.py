"""``check --jobs N``: one ledger split across processes, with the output of one process, byte for byte.

The parent process reads the ledger (so a reader's notices are told once, in order, and standard input works), cuts
it into chunks and hands each to a worker of a process pool (:mod:`.pool`). A worker evaluates its chunk and sends
back the items ``check`` writes (report dicts and error rows), each with its record's ``(kind, id)``. The parent takes
the chunks back in input order and compares ids across the whole ledger itself, as
:meth:`Policy.evaluate_many <tuoyu_rules.Policy.evaluate_many>` does in one process: a repeated id is the same error
row wherever the chunks fall, and row numbers are the reader's. :mod:`.rows` does this for the row engine (the columnar engine runs in one process).

Workers are started with ``spawn`` (safe beside polars' threads, and the same on every platform) and get the policy
pickled by reference (:mod:`tuoyu_rules.compiler.pickling`): each compiles it once. A ledger of one chunk starts no
process.
"""

from .pool import cores
from .ranges import Output, RangedCheck, ranged_check
from .rows import CHUNK_ROWS, JsonLine, Options, check_items

__all__ = ["CHUNK_ROWS", "JsonLine", "Options", "Output", "RangedCheck", "check_items", "cores", "ranged_check"]
