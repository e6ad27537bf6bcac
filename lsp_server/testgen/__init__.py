"""Test generation: passing, stable, useful pytest tests for a Python module, checked by running them."""
