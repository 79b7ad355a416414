"""The double-entry book: accounts, journal entries and postings (knows no orders)."""
