"""Temporary alias while the batch driver moves to ``translator.translate`` (issue 11)."""

from .translate.pipeline import translate_source

__all__ = ["translate_source"]
