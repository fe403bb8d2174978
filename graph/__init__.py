"""Microsoft Graph adapters (production mode) and the profile-backed directory (local mode)."""

from graph import sdk as _sdk  # noqa: F401  (loads the SDK builders before any graph module)
