"""Demo input files, one per ingest format (package data, see `cftwatch.ingest.SAMPLE_FILES`)."""
