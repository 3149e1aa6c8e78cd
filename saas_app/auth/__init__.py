"""Passwords, tokens, sessions and OpenID Connect."""
