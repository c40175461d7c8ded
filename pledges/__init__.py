"""Pledge templates, rendering and upload validation (no Flask, no SQLAlchemy)."""
