"""FIU profiles shipped with cftwatch (YAML data files)."""
