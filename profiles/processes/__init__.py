"""Council process definitions as YAML (issue 15); a package so the files ship with it."""
