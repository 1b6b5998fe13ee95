"""PNG pixels for the CI's browser checks, standard library only (no Pillow on CI).

    python3 pixels.py ink SHOT.png             share of non-white pixels
    python3 pixels.py same BROWSER.png OURS.png   exit 1 unless the two show one picture
"""
import struct
import sys
import zlib


def decode_png(path):
    """(width, height, grey rows) of an 8-bit non-interlaced RGB(A) PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (path, depth, colour)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([(line[x] + line[x + 1] + line[x + 2]) / 3 for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def ink(path):
    w, h, rows = decode_png(path)
    return sum(1 for row in rows for v in row if v < 255) / (w * h)


# Two renderers (Chromium's Skia, resvg's tiny-skia) antialias edges and hint glyphs a
# little differently, so single pixels differ; averaged over 8 x 8 blocks they agree
# within 27 grey levels on every chart of the four scenarios checked (20.1-26.5, at
# text; measured on 2026-11-29). A line the other picture lacks (a false spike, a
# missing series, text elsewhere) darkens a block by 90 levels or more: the PNGs drawn
# by plotters' bitmap backend before issue 17 differed from their SVGs by 93-194.
# The limit sits between.
BLOCK, LIMIT = 8, 40


def worst_block(a_path, b_path):
    """The largest difference of mean grey over the BLOCK x BLOCK blocks, and where."""
    wa, ha, a = decode_png(a_path)
    wb, hb, b = decode_png(b_path)
    assert (wa, ha) == (wb, hb), f"sizes differ: {wa}x{ha} and {wb}x{hb}"
    worst = (0.0, 0, 0)
    for y0 in range(0, ha - BLOCK + 1, BLOCK):
        for x0 in range(0, wa - BLOCK + 1, BLOCK):
            d = abs(sum(a[y][x] - b[y][x] for y in range(y0, y0 + BLOCK)
                        for x in range(x0, x0 + BLOCK))) / (BLOCK * BLOCK)
            worst = max(worst, (d, x0, y0))
    return worst


if __name__ == "__main__":
    if sys.argv[1] == "ink":
        print(f"{ink(sys.argv[2]):.4f}")
    elif sys.argv[1] == "same":
        d, x, y = worst_block(sys.argv[2], sys.argv[3])
        print(f"  {sys.argv[3]}: worst {BLOCK}x{BLOCK} block differs by {d:.1f} grey levels at ({x}, {y})")
        sys.exit(0 if d <= LIMIT else 1)
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
