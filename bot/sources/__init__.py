"""Where the numbers come from: roster and stats files (CSV, XLSX) and the stats pull."""
