"""Tools behind the commands: date hygiene, coverage counting, budget arithmetic."""
