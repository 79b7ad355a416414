"""The shopper's face: web pages and /api/store/."""
