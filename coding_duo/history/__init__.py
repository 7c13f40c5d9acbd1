"""The room remembers: its turn history (one row per turn or break, written by the
transition it records), the balance of who drove and navigated how long, and the
report that keeps it all (JSON, a printable page, Markdown)."""
