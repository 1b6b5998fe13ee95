#!/usr/bin/env bash
# CI step (issue 5): open a run's report.html in a real browser, headless, and fail
# unless it renders without errors and every chart is on the page with a non-zero size.
#
# Two independent checks:
#  1. Layout: a copy of the page gets a probe script appended (the shipped report has
#     no scripts) that measures every inline <svg> with getBoundingClientRect and
#     records any JavaScript or resource error; chromium --dump-dom prints the result.
#  2. Pixels: a screenshot of the original page must have plenty of non-white pixels
#     (decoded by a small python3 script, standard library only).
# Runs from the repository root on a fresh Debian machine as root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/spike"
cargo run --release --quiet -- run scenarios/spike.toml --out "$out" --quiet >/dev/null
test -s "$out/report.html"
expected=$(ls "$out"/*.svg | wc -l)
echo "report.html written with $expected charts"

chrome() {
  # A fresh profile each time: no state from earlier runs or other users.
  local profile
  profile="$(mktemp -d "$work/profile.XXXX")"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1280,4000 "$@"
}

# 1. Layout, measured by the browser itself.
probe="$out/.probe.html"
cp "$out/report.html" "$probe"
cat >>"$probe" <<'JS'
<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.target && e.target.src)), true);
window.addEventListener('load', () => {
  const sizes = [...document.querySelectorAll('figure > svg')].map(s => {
    const r = s.getBoundingClientRect();
    return { id: s.parentElement.id, w: Math.round(r.width), h: Math.round(r.height),
             shapes: s.querySelectorAll('path,polyline,polygon,rect,line,circle,text').length };
  });
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ errors: window.__errors, sizes });
  document.body.appendChild(pre);
});
</script>
JS
chrome --virtual-time-budget=5000 --dump-dom "file://$probe" >"$work/dom.html" 2>"$work/chrome.log" || {
  cat "$work/chrome.log"; echo "chromium failed to load the page"; exit 1; }

# 2. Pixels.
chrome --screenshot="$work/shot.png" "file://$out/report.html" 2>>"$work/chrome.log" >/dev/null || {
  cat "$work/chrome.log"; echo "chromium failed to take a screenshot"; exit 1; }

python3 - "$work/dom.html" "$work/shot.png" "$expected" <<'PY'
import html, json, re, struct, sys, zlib

dom_path, shot_path, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
dom = open(dom_path, encoding="utf-8").read()
m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("browser check: the page did not finish loading (no probe output)")
probe = json.loads(html.unescape(m.group(1)))
if probe["errors"]:
    sys.exit(f"browser check: errors while rendering: {probe['errors']}")
sizes = probe["sizes"]
print("charts as laid out by chromium:")
for s in sizes:
    print(f"  {s['id']:<22} {s['w']:>5} x {s['h']:<5} px, {s['shapes']} shapes")
if len(sizes) != expected:
    sys.exit(f"browser check: {len(sizes)} charts on the page, expected {expected}")
bad = [s for s in sizes if s["w"] < 200 or s["h"] < 100 or s["shapes"] < 50]
if bad:
    sys.exit(f"browser check: charts missing, empty or too small: {bad}")

def decode_png(path):
    """RGB(A) pixels of an 8-bit non-interlaced PNG, standard library only."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
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
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode_png(shot_path)
ink = sum(1 for row in rows for x in range(0, w * bpp, bpp) if row[x:x + 3] != b"\xff\xff\xff")
share = ink / (w * h)
print(f"screenshot {w} x {h}: {100 * share:.1f} % non-white pixels")
if share < 0.05:
    sys.exit("browser check: the screenshot is nearly blank")
print("browser check passed")
PY
