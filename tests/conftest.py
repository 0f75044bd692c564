"""Shared test setup: the backend fixtures come from dezero_plug's pytest plugin (--dezero-plug-backend)."""
