"""Reflex State classes: thin, they check who is asking and call services."""
