"""Import an existing household book from .xlsx or .csv: template, reading, column mapping, dry run, import."""
