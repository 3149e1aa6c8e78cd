"""Spreadsheets made in the tests: CSV text, workbooks, and streams that tell how far they were read."""

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

HEADERS = ["name", "phone", "invoice", "amount", "due"]


def csv_bytes(rows: Sequence[Sequence[Any]], *, headers: Sequence[str] = HEADERS, delimiter: str = ",") -> bytes:
    """A CSV file as a spreadsheet saves it: quoted where needed, UTF-8, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def good_row(n: int) -> list[str]:
    """An invoice row every check accepts, its phone and number unique by `n`."""
    return ["Ana Souza", f"+5511{987000000 + n}", f"NF-{n:07d}", "10.00", "2026-12-01"]


def workbook(rows: Sequence[Sequence[Any]], *, headers: Sequence[Any] = HEADERS) -> bytes:
    """An .xlsx file with the headers and rows on its first sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(xlsx: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one of its zip parts replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


def with_declared_size(xlsx: bytes, name: str, size: int) -> bytes:
    """The workbook with a part that says it unpacks to `size` bytes, as a zip bomb's parts do."""
    data = bytearray(xlsx)
    encoded = name.encode()
    # The central directory's record of the part: signature, fixed fields (46 bytes), then the name.
    record = data.index(b"PK\x01\x02")
    while data[record + 46 : record + 46 + len(encoded)] != encoded:
        record = data.index(b"PK\x01\x02", record + 4)
    data[record + 24 : record + 28] = size.to_bytes(4, "little")  # its uncompressed size
    return bytes(data)


class GeneratedCsv(io.RawIOBase):
    """A CSV of `rows` good invoice rows, each made when it is read: reading past byte `fuse` fails the test.

    Every row has the same length, so any part of the file can be made without the rest.
    """

    HEADER = b"name,phone,invoice,amount,due\n"

    def __init__(self, rows: int, *, fuse: int | None = None) -> None:
        self.row_length = len(self.row(0))
        self.size = len(self.HEADER) + rows * self.row_length
        self.fuse = self.size if fuse is None else fuse
        self.position = 0

    def row(self, n: int) -> bytes:
        return f"Ana Souza,+5511{987000000 + n},NF-{n:07d},10.00,2026-12-01\n".encode()

    def offset_after(self, rows: int) -> int:
        """Where the file's `rows`-th row ends."""
        return len(self.HEADER) + rows * self.row_length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        end = min(self.position + len(buffer), self.size)
        if end > self.fuse:
            raise AssertionError(f"read up to byte {end:,}, past byte {self.fuse:,}: the rest should not be read")
        data = self._bytes(self.position, end)
        buffer[: len(data)] = data
        self.position = end
        return len(data)

    def _bytes(self, start: int, end: int) -> bytes:
        if start < len(self.HEADER):
            base, n, data = 0, 0, bytearray(self.HEADER)
        else:
            n = (start - len(self.HEADER)) // self.row_length
            base, data = len(self.HEADER) + n * self.row_length, bytearray()
        while base + len(data) < end:
            data += self.row(n)
            n += 1
        return bytes(data[start - base : end - base])
