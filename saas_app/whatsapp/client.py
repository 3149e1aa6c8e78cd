"""An async client for the Cloud API's own wire format: Meta's Graph API, or our simulator.

Switching between them is a base URL and credentials. Errors come back as `CloudError` with the
action Meta's code calls for (whatsapp.errors.judge); the caller decides about retries.
"""

from dataclasses import dataclass
from typing import Any

import httpx

from saas_app.whatsapp.errors import Verdict, judge


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


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # https://graph.facebook.com, or the simulator's address
    version: str  # v23.0
    phone_number_id: str
    access_token: str


class CloudClient:
    """One WhatsApp number. Share one httpx.AsyncClient among many for connection reuse."""

    def __init__(self, endpoint: Endpoint, http: httpx.AsyncClient, timeout: float = 15.0) -> None:
        self.endpoint = endpoint
        self.http = http
        self.timeout = timeout

    def _url(self, path: str) -> str:
        return f"{self.endpoint.base_url.rstrip('/')}/{self.endpoint.version}/{path.lstrip('/')}"

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {self.endpoint.access_token}"}
        try:
            response = await self.http.request(
                method, self._url(path), json=body, params=params or None, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as failure:  # timeouts and resets: the message may or may not have gone
            verdict = judge(None, 0, f"no answer from WhatsApp ({type(failure).__name__})")
            raise CloudError(verdict, 0, maybe_sent=not isinstance(failure, _NEVER_LEFT)) from failure
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or "error" in data:
            error = data.get("error") or {}
            code = error.get("code")
            verdict = judge(int(code) if code is not None else None, response.status_code, error.get("message", ""))
            raise CloudError(verdict, response.status_code)
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
