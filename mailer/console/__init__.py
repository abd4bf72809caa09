"""The staff console: the editorial team's web pages (login, issues, test sends, audit)."""
