"""HTTP routes beside the Reflex app: health, the session cookie, OpenID Connect."""
