"""Rules an operator changes (review, commission, holding and withdrawal limits).

Kept in the database as versioned rows, so every change has who, when, why and the
old and new values. Sits at the ``accounts`` layer because every domain reads it.
"""
