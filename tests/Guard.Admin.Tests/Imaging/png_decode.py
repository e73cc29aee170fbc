"""An independent PNG reader for the imaging tests: standard library only (struct, zlib).

Reads a PNG from stdin, checks the signature, every chunk's CRC (zlib.crc32), the chunk order and the IHDR fields,
inflates the IDAT stream, undoes all five scanline filters, and prints one JSON object:
{"width", "height", "bitDepth", "colorType", "chunks": [types], "pixels": base64 of the rows without filter bytes}.
Anything malformed exits with status 1 and a message on stderr.
"""
import base64
import json
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def chunks(data):
    if data[:8] != SIGNATURE:
        fail("bad signature")
    pos = 8
    while pos < len(data):
        if pos + 12 > len(data):
            fail("truncated chunk at %d" % pos)
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            fail("truncated %r" % kind)
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            fail("bad CRC in %r" % kind)
        yield kind.decode("ascii"), body
        pos += 12 + length


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bpp):
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        if len(line) != stride:
            fail("image data too short")
        pos += 1 + stride
        if kind == 0:
            out += line
            prev = line
            continue
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 0xFF
            else:
                fail("bad filter type %d" % kind)
        out += line
        prev = line
    if pos != len(raw):
        fail("image data too long")
    return bytes(out)


def main():
    data = sys.stdin.buffer.read()
    found = list(chunks(data))
    kinds = [k for k, _ in found]
    if not kinds or kinds[0] != "IHDR" or kinds[-1] != "IEND" or "IDAT" not in kinds:
        fail("bad chunk order %r" % kinds)
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", found[0][1])
    if depth != 8 or color not in CHANNELS or compression or filtering or interlace:
        fail("unsupported IHDR %r" % (found[0][1],))
    if width == 0 or height == 0:
        fail("empty image")
    raw = zlib.decompress(b"".join(body for kind, body in found if kind == "IDAT"))
    pixels = unfilter(raw, width, height, CHANNELS[color])
    json.dump({
        "width": width,
        "height": height,
        "bitDepth": depth,
        "colorType": color,
        "chunks": kinds,
        "pixels": base64.b64encode(pixels).decode("ascii"),
    }, sys.stdout)


main()
