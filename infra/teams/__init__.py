"""The Teams app package: manifest, icons and the offline schema check."""
