"""The package version, written once: ``pyproject.toml`` reads it, ``tuoyu_rules.__version__`` and ``--version`` show it."""

__version__ = "0.1.0"
