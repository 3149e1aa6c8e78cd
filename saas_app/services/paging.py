"""Long listings: a page with a total for screens, a keyset slice for the API."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session

T = TypeVar("T")
MAX_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Slice(Generic[T]):
    """Rows after a position, oldest first: the next slice starts after `next_after` (None at the end)."""

    items: list[T]
    next_after: int | None


def keyset(session: Session, query: Any, id_column: Any, *, after: int | None, limit: int) -> Slice[Any]:
    """A slice of `query` ordered by id: stable while rows are added, however deep the listing goes."""
    limit = max(1, min(limit, MAX_PAGE))
    if after is not None:
        query = query.where(id_column > after)
    rows = list(session.exec(query.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Slice(rows, rows[-1].id if more and rows else None)
