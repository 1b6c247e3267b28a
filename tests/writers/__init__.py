"""Tests of tuoyu_rules.writers, one module per writer module."""
