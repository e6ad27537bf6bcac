"""Ubiq: a language server and CLI around a local, quantized code model."""

__version__ = "0.1.0"
