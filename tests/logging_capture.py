"""Log lines as production writes them (logs.JsonFormatter), captured as they are emitted, with the ids bound then."""

import json
import logging

from saas_app import logs


class JsonLines(logging.Handler):
    """Every record at `level` or above, formatted as a JSON line and read back as a dict."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))
