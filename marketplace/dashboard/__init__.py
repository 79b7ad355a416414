"""The vendor's face: web pages and /api/vendor/, always scoped to one vendor."""
