"""The session cookie's name: set by the HTTP routes (HttpOnly), read back by every Reflex event handler."""

SESSION_COOKIE = "cobro_session"
