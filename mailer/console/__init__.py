"""The staff console: the editorial team's web pages (access, issues, sends, list)."""
