"""The policy-author commands, one subject per module; each returns data or lines of text and :mod:`..cli` prints.

- :mod:`.explain`      explain and catalogue: a rule, target, subsidy, benefit or parameter in words
- :mod:`.diff`         policy diff: what changed between two policies, and the changes as text
- :mod:`.ledger_diff`  ledger diff: one ledger checked under two policies (``diff --records``, ``check --set``)
- :mod:`.coverage`     example coverage: what the embedded examples show passing, failing and at the boundary
- :mod:`.clauses`      the clause index: which rules encode each clause, and ``docs/coverage.md``
- :mod:`.annotations`  problems as GitHub Actions workflow commands and as SARIF
- :mod:`.dates`        date hygiene: expired and expiring plans, documents and values; targets outside the period
- :mod:`.budget`       subsidy totals over a ledger against the budget a policy states
- :mod:`.schema`       JSON Schemas of the policy file and of a record
- :mod:`.common`       small helpers the others share: how a dated value and money read, JSON out
"""
