"""Money, errors, the outbox row, audit events and helpers; imports no other app."""
