"""Marshmallow schemas for what crosses a boundary."""
