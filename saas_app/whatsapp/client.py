"""An async client for the Cloud API's own wire format: Meta's Graph API, or our simulator.

Switching between them is a base URL and credentials. Errors come back as `CloudError` with the
action Meta's code calls for (whatsapp.errors.judge); the caller decides about retries.
"""

import asyncio
import json
import re
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import h11
import httpx

from saas_app.whatsapp.errors import Verdict, judge

# A business-scoped user id: an ISO country code, a dot and up to 128 alphanumerics (US.1349...).
BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,128}")


def addressed_to(to: str) -> dict[str, str]:
    """Whom a send is for, as Meta takes it: `to` a phone number, or `recipient` a BSUID."""
    return {"recipient": to} if BSUID.fullmatch(to) else {"to": to.lstrip("+")}


@dataclass(frozen=True)
class Sent:
    wamid: str
    status: str  # accepted, held_for_quality_assessment


class CloudError(Exception):
    """An error answer, or no answer. `maybe_sent`: the request may have reached Meta (a timeout)."""

    def __init__(self, verdict: Verdict, http_status: int, maybe_sent: bool = False) -> None:
        super().__init__(f"{verdict.code}: {verdict.reason}")
        self.verdict = verdict
        self.http_status = http_status
        self.maybe_sent = maybe_sent


def _no_answer(failure: Exception, never_left: bool) -> CloudError:
    verdict = judge(None, 0, f"no answer from WhatsApp ({type(failure).__name__})")
    return CloudError(verdict, 0, maybe_sent=not never_left)


# Failures of httpx (tests and the settings page use an httpx client) that prove the request never left.
_NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
MAX_ANSWER = 1_000_000  # bytes; Meta's answers to a send are a few hundred


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # https://graph.facebook.com, or the simulator's address
    version: str  # v23.0
    phone_number_id: str
    access_token: str


class _Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time, spoken with h11."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.http = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0

    async def exchange(self, request: h11.Request, body: bytes) -> tuple[int, bytes]:
        # One write, one system call: three were measured as the worker's largest cost per send.
        parts = (request, h11.Data(data=body), h11.EndOfMessage())
        self.writer.write(b"".join(self.http.send(part) or b"" for part in parts))
        await self.writer.drain()
        status, content = 0, bytearray()
        while True:
            event = self.http.next_event()
            if event is h11.NEED_DATA:
                self.http.receive_data(await self.reader.read(65536))  # b"" is the server closing: h11 says so
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                content += event.data
                if len(content) > MAX_ANSWER:
                    raise h11.RemoteProtocolError("the answer is too large")
            elif isinstance(event, h11.EndOfMessage):
                return status, bytes(content)
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("the server closed the connection before answering")

    def reusable(self, now: float, keep_idle: float) -> bool:
        """Idle and still open, and not idle so long that the server may be closing it as we write."""
        return now - self.idle_since < keep_idle and not self.reader.at_eof()

    def ready_for_next(self, now: float) -> bool:
        if self.http.our_state is not h11.DONE or self.http.their_state is not h11.DONE:
            return False  # the server said Connection: close, or answered in a way that ends the connection
        self.http.start_next_cycle()
        self.idle_since = now
        return True

    def close(self) -> None:
        self.writer.close()


class SendPool:
    """Keep-alive connections per origin, spoken with h11 over asyncio streams: the worker's HTTP client.

    Measured on loopback with 256 requests in flight (2-core VM): httpcore's pools, under httpx,
    answered 1,250-1,330 requests/s; h11 (the HTTP/1.1 state machine both are built on), driven
    directly, 5,600-6,100. At 1,000 sends a second per worker that difference is the worker's
    whole CPU budget. A connection carries one request at a time, so connections grow to the
    requests in flight; idle ones are reused newest first and dropped before the server's own
    keep-alive timeout (uvicorn's is 5 s) can close them under a request.
    """

    KEEP_IDLE = 4.0  # seconds

    def __init__(self, connections: int, timeout: float = 15.0, tls: ssl.SSLContext | None = None) -> None:
        self._max_idle = connections
        self._timeout = timeout
        self._tls = tls  # built on the first https connection: loading the CA store takes ~40 ms
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def request(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        """The status and body of one request on a kept-alive connection; a failure says if it may have gone."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _no_answer(ValueError(url), never_left=True)
        origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        body = body or b""
        try:  # h11 checks the request as it builds it: a header with a line break never reaches a connection
            request = h11.Request(
                method=method,
                target=target,
                headers=[("Host", host), *headers.items(), ("Content-Length", str(len(body)))],
            )
        except h11.LocalProtocolError as refused:
            raise _no_answer(refused, never_left=True) from refused
        connection = self._reuse(origin) or await self._open(origin)
        try:
            async with asyncio.timeout(self._timeout):
                answer = await connection.exchange(request, body)
        except (OSError, TimeoutError, h11.ProtocolError) as failure:  # it may or may not have gone
            connection.close()
            raise _no_answer(failure, never_left=False) from failure
        if connection.ready_for_next(time.monotonic()) and len(self._idle.setdefault(origin, [])) < self._max_idle:
            self._idle[origin].append(connection)
        else:
            connection.close()
        return answer

    def _reuse(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle, now = self._idle.get(origin, []), time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.reusable(now, self.KEEP_IDLE):
                return connection
            connection.close()
        return None

    async def _open(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            tls = self._tls = self._tls or ssl.create_default_context()
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_connection(host, port, ssl=tls, limit=MAX_ANSWER)
        except (OSError, TimeoutError) as failure:  # refused, unreachable, TLS refused: nothing was sent
            raise _no_answer(failure, never_left=True) from failure
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        """Closes the idle connections and forgets them."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


class CloudClient:
    """One WhatsApp number, over a shared httpx.AsyncClient (or the worker's SendPool)."""

    def __init__(self, endpoint: Endpoint, http: httpx.AsyncClient | SendPool, timeout: float = 15.0) -> None:
        self.endpoint = endpoint
        self.http = http
        self.timeout = timeout

    def _url(self, path: str) -> str:
        return f"{self.endpoint.base_url.rstrip('/')}/{self.endpoint.version}/{path.lstrip('/')}"

    async def _exchange(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        if isinstance(self.http, SendPool):
            return await self.http.request(method, url, headers, body)
        try:
            response = await self.http.request(method, url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as failure:  # timeouts and resets: the message may or may not have gone
            raise _no_answer(failure, never_left=isinstance(failure, _NEVER_LEFT)) from failure
        return response.status_code, response.content

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {self.endpoint.access_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = self._url(path) + (f"?{urlencode(params)}" if params else "")
        raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        status, content = await self._exchange(method, url, headers, raw)
        try:
            data = json.loads(content) if content else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status >= 400 or "error" in data:
            error = data.get("error") or {}
            code = error.get("code")
            verdict = judge(int(code) if code is not None else None, status, error.get("message", ""))
            raise CloudError(verdict, status)
        return data

    def _message(self, to: str, kind: str, content: dict[str, Any], callback_data: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **addressed_to(to),
            "type": kind,
            kind: content,
        }
        if callback_data:
            body["biz_opaque_callback_data"] = callback_data[:512]
        return body

    async def _send(self, body: dict[str, Any]) -> Sent:
        data = await self._call("POST", f"{self.endpoint.phone_number_id}/messages", body)
        message = (data.get("messages") or [{}])[0]
        return Sent(wamid=str(message.get("id", "")), status=str(message.get("message_status", "accepted")))

    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        body_parameters: list[dict[str, str]],
        *,
        callback_data: str = "",
        button_payloads: tuple[str, ...] = (),
    ) -> Sent:
        """A template with named body parameters, and a payload for each quick-reply button."""
        components: list[dict[str, Any]] = []
        if body_parameters:
            components.append({"type": "body", "parameters": body_parameters})
        components += [
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(i),
                "parameters": [{"type": "payload", "payload": p}],
            }
            for i, p in enumerate(button_payloads)
        ]
        content = {"name": name, "language": {"code": language, "policy": "deterministic"}, "components": components}
        return await self._send(self._message(to, "template", content, callback_data))

    async def send_text(self, to: str, text: str, *, reply_to: str = "", callback_data: str = "") -> Sent:
        """Free text: only inside the 24 hours after the debtor's last message (else 131047)."""
        body = self._message(to, "text", {"preview_url": False, "body": text}, callback_data)
        if reply_to:
            body["context"] = {"message_id": reply_to}
        return await self._send(body)

    async def send_document(
        self, to: str, link: str, filename: str, caption: str = "", callback_data: str = ""
    ) -> Sent:
        """Sends a document (an invoice's PDF) by a link WhatsApp fetches itself; free text, so only in the window."""
        content = {"link": link, "filename": filename, "caption": caption}
        return await self._send(self._message(to, "document", content, callback_data))

    async def mark_read(self, wamid: str) -> None:
        """Tells WhatsApp we read the debtor's message: the blue ticks on their phone."""
        await self._call(
            "POST",
            f"{self.endpoint.phone_number_id}/messages",
            {"messaging_product": "whatsapp", "status": "read", "message_id": wamid},
        )

    async def phone_number(self) -> dict[str, Any]:
        """The 'test connection' read: name, number, quality, throughput and messaging limit."""
        fields = (
            "display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit"
        )
        result: dict[str, Any] = await self._call("GET", self.endpoint.phone_number_id, fields=fields)
        return result

    async def templates(self, waba_id: str) -> list[dict[str, Any]]:
        """The WABA's message templates as Meta lists them, up to 200."""
        data = await self._call("GET", f"{waba_id}/message_templates", limit="200")
        return list(data.get("data") or [])

    async def submit_template(self, waba_id: str, template: dict[str, Any]) -> dict[str, Any]:
        """Meta's answer to a template submitted for approval: its id and status."""
        result: dict[str, Any] = await self._call("POST", f"{waba_id}/message_templates", template)
        return result
