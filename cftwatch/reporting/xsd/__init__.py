"""XSDs shipped with cftwatch (the project's structure-only goAML schema)."""
