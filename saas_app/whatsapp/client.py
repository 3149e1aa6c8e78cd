"""An async client for the Cloud API's own wire format: Meta's Graph API, or our simulator.

Switching between them is a base URL and credentials. Errors come back as `CloudError` with the
action Meta's code calls for (whatsapp.errors.judge); the caller decides about retries.
"""

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpcore
import httpx

from saas_app.whatsapp.errors import Verdict, judge

# Meta's messaging-limit tiers (whatsapp_business_manager_messaging_limit), as the unique people a
# business may reach outside service windows per moving 24 hours; 0: unlimited.
MESSAGING_LIMITS = {
    "TIER_250": 250,
    "TIER_1K": 1_000,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": 0,
}


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


# Failures that prove the request never left: nothing can have been sent.
_NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_NEVER_LEFT_CORE = (httpcore.ConnectError, httpcore.ConnectTimeout, httpcore.PoolTimeout, httpcore.UnsupportedProtocol)
_NO_ANSWER_CORE = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError)


def _no_answer(failure: Exception, never_left: bool) -> CloudError:
    verdict = judge(None, 0, f"no answer from WhatsApp ({type(failure).__name__})")
    return CloudError(verdict, 0, maybe_sent=not never_left)


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # https://graph.facebook.com, or the simulator's address
    version: str  # v23.0
    phone_number_id: str
    access_token: str


class SendPool:
    """Many small connection pools, used in turn: how the worker keeps hundreds of sends in flight.

    Measured with bench/dispatch.py: httpx's client layer and one large pool both cost more per
    request as concurrency grows (each request walks its pool's connections), so the worker talks
    to httpcore (httpx's own transport) directly, through pools of a few connections each.
    """

    def __init__(self, connections: int, pools: int, timeout: float = 15.0) -> None:
        per_pool = max(1, math.ceil(connections / pools))
        self._pools = [
            httpcore.AsyncConnectionPool(max_connections=per_pool, max_keepalive_connections=per_pool)
            for _ in range(pools)
        ]
        self._turn = itertools.cycle(self._pools)
        self._timeout = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}

    async def request(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[int, bytes]:
        try:
            response = await next(self._turn).request(
                method, url, headers=list(headers.items()), content=body, extensions={"timeout": self._timeout}
            )
        except _NEVER_LEFT_CORE as failure:
            raise _no_answer(failure, never_left=True) from failure
        except _NO_ANSWER_CORE as failure:  # timeouts and resets: the message may or may not have gone
            raise _no_answer(failure, never_left=False) from failure
        return response.status, response.content

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


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
            "to": to.lstrip("+"),
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
        content = {"link": link, "filename": filename, "caption": caption}
        return await self._send(self._message(to, "document", content, callback_data))

    async def mark_read(self, wamid: str) -> None:
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
        data = await self._call("GET", f"{waba_id}/message_templates", limit="200")
        return list(data.get("data") or [])

    async def submit_template(self, waba_id: str, template: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("POST", f"{waba_id}/message_templates", template)
        return result
