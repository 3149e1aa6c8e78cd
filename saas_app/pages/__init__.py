"""One module per page group; each registers its routes in `register(app)`."""
