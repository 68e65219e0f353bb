"""Report rendering: plain data in, XLSX or PDF files out (no storage, no Qt)."""
