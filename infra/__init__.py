"""Deployment: the Teams app package, Azure templates and the container image."""
