"""`python -m saas_app.core.library [LANGUAGE ...]`: check the library files."""

import sys

from saas_app.core.library import main

raise SystemExit(main(sys.argv[1:]))
