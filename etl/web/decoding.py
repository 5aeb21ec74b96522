"""Content-Encoding decoding that never inflates more than a small step at a time.

Why our own and not httpx's: httpx decodes ``Content-Encoding: gzip, gzip`` by passing each
network chunk through one decoder after the other, and each decoder inflates *all* it is given
in one call. The outer layer of a stacked bomb is small (1.8 KB on the wire), but what it
yields is the whole inner layer, which then inflates to a gigabyte before any size cap can
look at it. Here every layer inflates at most :data:`STEP` bytes per call (zlib's
``max_length``, the rest of its input waits in ``unconsumed_tail``) and the next layer pulls
from it, so memory stays at a few steps per layer whatever the ratio, and the caller's size cap
stops the body as soon as it is passed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from etl.errors import NetworkError

STEP = 64 * 1024      # most bytes one layer inflates per call
MAX_LAYERS = 3        # more stacked encodings than this is hostile, not a real server
ACCEPT_ENCODING = "gzip, deflate"  # what we ask for: exactly what this module decodes
_IDENTITY = {"", "identity"}
# real compressions we did not ask for and do not decode: the body would be unreadable
_UNSUPPORTED = {"br", "zstd", "compress", "x-compress"}


class BadEncoding(NetworkError):
    """The body does not decode as its ``Content-Encoding`` says (or stacks too many)."""


class _Layer:
    """One ``gzip`` or ``deflate`` layer: a zlib stream with its pending input."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.raw_deflate = False
        self.obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if name == "gzip" else zlib.MAX_WBITS)
        self.tail = b""          # input not yet inflated
        self.full = False        # the last call filled STEP: zlib may hold more output
        self.started = False

    def inflate(self) -> bytes:
        """Up to STEP bytes from the pending input (b"" when it needs more input)."""
        if self.obj.eof:
            self.tail = b""      # bytes after the end of the stream are ignored, as httpx does
            return b""
        data, self.tail = self.tail, b""
        try:
            out = self.obj.decompress(data, STEP)
        except zlib.error as exc:
            if self.name == "deflate" and not self.started:
                # "deflate" is often sent as raw deflate without the zlib header (as httpx
                # handles it too): retry the same bytes that way, once.
                self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self.started = True
                out = self._retry(data)
            else:
                raise BadEncoding(f"bad {self.name} content encoding: {exc}") from exc
        self.started = True
        self.tail = self.obj.unconsumed_tail
        self.full = len(out) >= STEP
        return out

    def _retry(self, data: bytes) -> bytes:
        try:
            return self.obj.decompress(data, STEP)
        except zlib.error as exc:
            raise BadEncoding(f"bad deflate content encoding: {exc}") from exc

    @property
    def pending(self) -> bool:
        return bool(self.tail) or self.full


def parse_encodings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header in the order they were applied."""
    names = [part.strip().lower() for part in (header or "").split(",")]
    names = ["gzip" if n == "x-gzip" else n for n in names if n not in _IDENTITY]
    if len(names) > MAX_LAYERS:
        raise BadEncoding(f"{len(names)} stacked content encodings (at most {MAX_LAYERS})")
    compressed = [n for n in names if n in _UNSUPPORTED]
    if compressed:
        raise BadEncoding(f"unsupported content encoding {compressed[0]!r}")
    # any other value ("utf-8", "text": misconfigured servers) is not a coding at all: the
    # body is used as it is, as httpx does
    return [n for n in names if n in ("gzip", "deflate")]


class LayeredDecoder:
    """Decode a body chunk by chunk through every layer of its Content-Encoding.

    ``feed(chunk)`` yields decoded pieces of at most :data:`STEP` bytes; a caller that stops
    iterating (a size cap) leaves the rest uninflated.
    """

    def __init__(self, content_encoding: str | None) -> None:
        # applied first = listed first, so decoding starts with the last one
        self.layers = [_Layer(name) for name in reversed(parse_encodings(content_encoding))]

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        if not self.layers:
            if chunk:
                yield chunk
            return
        self.layers[0].tail += chunk
        while piece := self._pull(len(self.layers) - 1):
            yield piece

    def _pull(self, i: int) -> bytes:
        """The next output of layer ``i``, pulling input from the layer before it."""
        layer = self.layers[i]
        while True:
            if layer.pending:
                out = layer.inflate()
                if out:
                    return out
                if layer.pending:
                    continue
            if i == 0:
                return b""
            upstream = self._pull(i - 1)
            if not upstream:
                return b""
            layer.tail = upstream
