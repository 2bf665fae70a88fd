"""The syslog listener (`shadow.syslog: {host, port, protocol: udp|tcp, format}`), started with the
gateway: each message (one UDP datagram, or one line of a TCP stream, newline or octet-count framed)
holds one log line behind an RFC 3164/5424 header. Several workers share the port (SO_REUSEPORT)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from bastion.config.shadow import ShadowSyslog
from bastion.shadow.events import BadLine
from bastion.shadow.formats.csvmap import parse_columns
from bastion.shadow.lines import LineReader

if TYPE_CHECKING:
    from bastion.shadow.runtime import ShadowRuntime

log = logging.getLogger("bastion.shadow")


class SyslogListener:
    def __init__(self, runtime: ShadowRuntime, settings: ShadowSyslog) -> None:
        self.runtime = runtime
        self.settings = settings
        self.columns = parse_columns(settings.columns) if settings.columns else None
        self.reader = LineReader(settings.format, self.columns)
        self.port: int | None = None
        self.messages = 0
        self.bad = 0
        self._transport: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    def handle(self, message: str, reader: LineReader | None = None) -> None:
        self.messages += 1
        try:
            event = (reader or self.reader).read(message)
        except (BadLine, ValueError, IndexError, KeyError) as exc:
            self.bad += 1
            log.debug("shadow syslog: bad line (%s)", exc)
            return
        if event is not None:
            self.runtime.ingest(event, "logs")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        s = self.settings
        if s.protocol == "udp":
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), local_addr=(s.host, s.port), reuse_port=True
            )
            self._transport = transport
            self.port = transport.get_extra_info("sockname")[1]
        else:
            self._server = await asyncio.start_server(self._client, s.host, s.port, reuse_port=True)
            self.port = self._server.sockets[0].getsockname()[1]
        log.warning("shadow: syslog listener on %s %s:%s", s.protocol, s.host, self.port)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
        if self._server is not None:
            self._server.close()
            for task in list(self._conns):
                task.cancel()
            await asyncio.gather(*self._conns, return_exceptions=True)
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        lines = LineReader(self.settings.format, self.columns)  # per connection: a Zeek header stays its own
        limit = self.settings.max_message_bytes
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as exc:
                    if exc.partial.strip():
                        self.handle(exc.partial.decode("utf-8", "replace"), lines)
                    return
                except asyncio.LimitOverrunError:
                    await _discard_line(reader)
                    self.bad += 1
                    continue
                if len(raw) > limit:
                    self.bad += 1
                    continue
                self.handle(raw.decode("utf-8", "replace"), lines)
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._conns.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _discard_line(reader: asyncio.StreamReader) -> None:
    """Drop bytes up to the next newline (a line longer than the stream's buffer)."""
    while True:
        try:
            await reader.readuntil(b"\n")
            return
        except asyncio.LimitOverrunError as exc:
            await reader.readexactly(exc.consumed)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, listener: SyslogListener) -> None:
        self.listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for line in data.decode("utf-8", "replace").splitlines():
            if line.strip():
                self.listener.handle(line)
