"""The worker's HTTP client against small scripted servers: reuse, answers, and what a failure means."""

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from saas_app.whatsapp.client import CloudError, SendPool
from tests.aio import in_own_loop

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return await reader.readexactly(length)


class Server:
    """A loopback server that counts its connections and answers each request with `answer`."""

    def __init__(
        self, answer: Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]], tls: ssl.SSLContext | None = None
    ) -> None:
        self.answer = answer
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}/v23.0/1/messages"

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                body = await read_request(reader)
                self.requests.append(body)
                if not await self.answer(body, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


async def echo(body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(OK % (len(body), body))
    await writer.drain()
    return True


@in_own_loop
async def test_requests_share_one_kept_alive_connection() -> None:
    server = Server(echo)
    async with server as url:
        pool = SendPool(4, timeout=5)
        answers = [await pool.request("POST", url, {"Authorization": "Bearer t"}, b'{"n": %d}' % n) for n in range(3)]
        await pool.aclose()
    assert answers == [(200, b'{"n": 0}'), (200, b'{"n": 1}'), (200, b'{"n": 2}')]
    assert server.connections == 1


@in_own_loop
async def test_requests_in_flight_together_each_get_their_own_answer() -> None:
    server = Server(echo)
    async with server as url:
        pool = SendPool(8, timeout=5)
        answers = await asyncio.gather(*(pool.request("POST", url, {}, b"%d" % n) for n in range(20)))
        await pool.aclose()
    assert [body for _, body in answers] == [b"%d" % n for n in range(20)]


@in_own_loop
async def test_a_chunked_answer_is_read_whole() -> None:
    async def chunked(_body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b'5\r\n{"err\r\n9\r\nor": 100}\r\n0\r\n\r\n')
        await writer.drain()
        return True

    async with Server(chunked) as url:
        pool = SendPool(2, timeout=5)
        assert await pool.request("POST", url, {}, b"{}") == (400, b'{"error": 100}')
        await pool.aclose()


@in_own_loop
async def test_a_server_that_closes_the_connection_gets_a_new_one() -> None:
    async def once(body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        return False

    server = Server(once)
    async with server as url:
        pool = SendPool(2, timeout=5)
        assert await pool.request("POST", url, {}, b"1") == (200, b"ok")
        assert await pool.request("POST", url, {}, b"2") == (200, b"ok")
        await pool.aclose()
    assert server.connections == 2


@in_own_loop
async def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    async def answer_then_hang_up(body: bytes, writer: asyncio.StreamWriter) -> bool:
        await echo(body, writer)
        return False  # keep-alive was offered, but the server closes it while idle

    server = Server(answer_then_hang_up)
    async with server as url:
        pool = SendPool(2, timeout=5)
        await pool.request("POST", url, {}, b"1")
        await asyncio.sleep(0.1)  # the server's close arrives
        assert await pool.request("POST", url, {}, b"2") == (200, b"2"), "not an error: a fresh connection"
        await pool.aclose()
    assert server.connections == 2


@in_own_loop
async def test_a_refused_connection_means_nothing_was_sent() -> None:
    async with Server(echo) as url:
        pass  # closed: nothing listens on the port any more
    with pytest.raises(CloudError) as failure:
        await SendPool(1, timeout=5).request("POST", url, {}, b"{}")
    assert not failure.value.maybe_sent


@pytest.mark.parametrize("behaviour", ["hang up", "never answer"])
def test_a_request_that_got_no_answer_may_have_been_sent(behaviour: str) -> None:
    async def misbehave(_body: bytes, _writer: asyncio.StreamWriter) -> bool:
        if behaviour == "never answer":
            await asyncio.sleep(5)
        return False

    @in_own_loop
    async def check() -> None:
        server = Server(misbehave)
        async with server as url:
            with pytest.raises(CloudError) as failure:
                await SendPool(1, timeout=0.3).request("POST", url, {}, b"{}")
        assert failure.value.maybe_sent, "the worker must wait for Meta's webhook, not send it again"
        assert server.requests == [b"{}"]

    check()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no public authority signed, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cobro test server")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = folder / "server.pem", folder / "server.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    certificate, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context, certificate


def test_https_requests_are_encrypted_verified_and_kept_alive(tls_server: tuple[ssl.SSLContext, Path]) -> None:
    server_tls, certificate = tls_server
    trusting = ssl.create_default_context(cafile=str(certificate))  # as if a public authority had signed it

    @in_own_loop
    async def check() -> None:
        server = Server(echo, tls=server_tls)
        async with server as url:
            pool = SendPool(2, timeout=5, tls=trusting)
            answers = [await pool.request("POST", url, {}, b'{"n": %d}' % n) for n in range(3)]
            await pool.aclose()
        assert answers == [(200, b'{"n": 0}'), (200, b'{"n": 1}'), (200, b'{"n": 2}')]
        assert server.connections == 1, "one TLS handshake, then the connection is reused"

    check()


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(tls_server: tuple[ssl.SSLContext, Path]) -> None:
    server_tls, _ = tls_server

    @in_own_loop
    async def check() -> None:
        server = Server(echo, tls=server_tls)
        async with server as url:
            with pytest.raises(CloudError) as failure:
                await SendPool(1, timeout=5).request("POST", url, {}, b'{"to": "+5511987654321"}')  # system CAs
        assert not failure.value.maybe_sent, "refused before sending: safe to send again"
        assert server.requests == [], "the message never reached an impostor"

    check()


@in_own_loop
async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    server = Server(echo)
    async with server as url:
        with pytest.raises(CloudError) as failure:
            await SendPool(1, timeout=5).request("POST", url, {"Authorization": "Bearer t\r\nX-Evil: 1"}, b"{}")
    assert not failure.value.maybe_sent
    assert server.connections == 0


@in_own_loop
async def test_an_interim_answer_then_one_that_runs_to_the_end_of_the_connection() -> None:
    async def continue_then_close(_body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}")
        await writer.drain()
        return False  # no length: the body ends when the server closes

    server = Server(continue_then_close)
    async with server as url:
        pool = SendPool(2, timeout=5)
        assert await pool.request("POST", url, {}, b"1") == (200, b"{}")
        assert await pool.request("POST", url, {}, b"2") == (200, b"{}")
        await pool.aclose()
    assert server.connections == 2, "a connection whose answer ran to its end is not reused"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"SMTP ready\r\n\r\n",
    ],
)
def test_an_answer_that_is_not_http_as_we_read_it_may_have_been_sent(answer: bytes) -> None:
    async def broken(_body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(answer)
        await writer.drain()
        await asyncio.sleep(0.5)
        return False

    @in_own_loop
    async def check() -> None:
        async with Server(broken) as url:
            with pytest.raises(CloudError) as failure:
                await SendPool(1, timeout=5).request("POST", url, {}, b"{}")
        assert failure.value.maybe_sent

    check()
