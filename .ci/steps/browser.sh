#!/usr/bin/env bash
# CI step (issue 5): open a run's report.html in a real browser, headless, and fail
# unless it renders without errors and every chart is on the page with a non-zero size.
#
# Two independent checks:
#  1. Layout: a copy of the page gets a probe script appended (the shipped report has
#     no scripts) that measures every inline <svg> with getBoundingClientRect and
#     records any JavaScript or resource error; chromium --dump-dom prints the result.
#     The verdict at the top must be visible and judge the SLO as summary.json does.
#     At 390 px (a phone) nothing may reach past the screen's edge; with the page's
#     print rules, every table must be marked not to break and fit on a page.
#  2. Pixels: a screenshot of the original page must have plenty of non-white pixels
#     (decoded by .ci/lib/pixels.py, standard library only).
#  3. PNG = SVG (issue 17): every chart of spike, spot-mix, predictive and diurnal, as
#     Chromium draws its SVG, must show the picture of its PNG (pixels.py states the
#     tolerance and why).
#  4. Compare (issue 17): compare-targets' page, laid out by Chromium, has the SLO line
#     on its cost-vs-p99 chart, no two strategy names printed over each other, and the
#     element under the pointer at each strategy's point carries its hover <title>.
#  5. Events (issue 17): a traffic chart's legend names a kind of event exactly when
#     the run's summary.json counts some (failures.toml has failures and replacements,
#     spot-mix spot interruptions, spike none of either).
# Runs from the repository root on a fresh Debian machine as root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
# The PNGs' font, for Chromium to draw the SVGs' text with in check 3.
if ! fc-list | grep -q "DejaVu Sans"; then
  apt-get install -y -qq fonts-dejavu-core >/dev/null
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
  const v = document.querySelector('#verdict');
  const verdict = v && { slo: v.dataset.slo, text: v.innerText,
                         visible: v.getBoundingClientRect().height > 20 };
  // Print: the page's print rules applied on screen at A4's printable width (718 CSS
  // px); a table that must not break (break-inside: avoid) and is shorter than a
  // printed page (1,047 px) is never split by Chromium's pagination.
  const printRules = [...document.styleSheets].flatMap(sh => [...sh.cssRules])
    .filter(r => r.media && [...r.media].includes('print'))
    .flatMap(r => [...r.cssRules].map(x => x.cssText)).join('\n');
  const asPrinted = document.createElement('style');
  asPrinted.textContent = printRules + '\nbody { width: 718px !important; }';
  document.head.appendChild(asPrinted);
  const tables = [...document.querySelectorAll('table')].map(t => ({
    h: Math.round(t.getBoundingClientRect().height), avoid: getComputedStyle(t).breakInside }));
  asPrinted.remove();
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ errors: window.__errors, sizes, verdict,
    tables, printRules: printRules.length });
  document.body.appendChild(pre);
});
</script>
JS
chrome --virtual-time-budget=5000 --dump-dom "file://$probe" >"$work/dom.html" 2>"$work/chrome.log" || {
  cat "$work/chrome.log"; echo "chromium failed to load the page"; exit 1; }
# The same measure on a phone's width (390 CSS px, an iPhone 12-15). A headless
# window is at least 500 px wide, so the page is laid out in a 390 px frame instead.
cat >"$out/.phone.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="report.html" style="width:390px;height:4000px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {
  const w = document.getElementById('f').contentWindow, d = w.document;
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(w.getComputedStyle(a).overflowX)) return true; }
    return false; };
  const overflow = [...d.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > w.innerWidth + 1 && !clipped(e))
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right));
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ width: w.innerWidth,
    scrollWidth: d.documentElement.scrollWidth, overflow });
  document.body.appendChild(pre);
});
</script></body></html>
HTML
chrome --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "file://$out/.phone.html" >"$work/dom-390.html" 2>>"$work/chrome.log" || {
  cat "$work/chrome.log"; echo "chromium failed to load the page at 390 px"; exit 1; }

# 2. Pixels.
chrome --screenshot="$work/shot.png" "file://$out/report.html" 2>>"$work/chrome.log" >/dev/null || {
  cat "$work/chrome.log"; echo "chromium failed to take a screenshot"; exit 1; }

python3 - "$work/dom.html" "$work/shot.png" "$expected" "$(python3 .ci/lib/pixels.py ink "$work/shot.png")" "$out/summary.json" "$work/dom-390.html" <<'PY'
import html, json, re, sys

dom_path, shot_path, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])

def read_probe(path):
    dom = open(path, encoding="utf-8").read()
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    if not m:
        sys.exit(f"browser check: the page did not finish loading in {path} (no probe output)")
    return json.loads(html.unescape(m.group(1)))

probe = read_probe(dom_path)
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
# The verdict (issue 17): on the page, visible, and the SLO judgement of summary.json.
verdict = probe["verdict"]
if not verdict or not verdict["visible"]:
    sys.exit(f"browser check: no visible verdict on the page: {verdict}")
met = json.load(open(sys.argv[5]))["slo"]["met"]
word = "met" if met else "missed"
headline = verdict["text"].strip().splitlines()[0]
print(f"verdict: {headline}")
if verdict["slo"] != word or f" {word}" not in headline:
    sys.exit(f"browser check: the verdict says {verdict['slo']!r}, summary.json slo.met is {met}")
# Print: every table kept whole.
if not probe["printRules"]:
    sys.exit("browser check: the page has no print rules")
split = [t for t in probe["tables"] if t["avoid"] != "avoid" or t["h"] > 1047]
print(f"print: {len(probe['tables'])} tables, tallest {max(t['h'] for t in probe['tables'])} px at 718 px wide")
if split:
    sys.exit(f"browser check: tables a printed page may split: {split}")
# Phone: nothing wider than the screen.
phone = read_probe(sys.argv[6])
print(f"at {phone['width']} px: page {phone['scrollWidth']} px wide, {len(phone['overflow'])} elements past the edge")
if phone["scrollWidth"] > phone["width"] or phone["overflow"]:
    sys.exit(f"browser check: at {phone['width']} px the page overflows: {phone['overflow'][:10]}")

share = float(sys.argv[4])
print(f"screenshot: {100 * share:.1f} % non-white pixels")
if share < 0.05:
    sys.exit("browser check: the screenshot is nearly blank")
print("browser check passed")
PY

# 3. PNG = SVG. The SVGs name the family sans-serif, which Chromium maps to a font of
# its choosing; a copy names the font the PNGs were drawn with, so that what is compared
# is the picture, not the browser's taste in fonts.
for scenario in spike spot-mix predictive diurnal; do
  dir="$work/png-$scenario"
  cargo run --release --quiet -- run "scenarios/$scenario.toml" --out "$dir" --quiet >/dev/null
  echo "$scenario: PNG against Chromium's rendering of the SVG"
  for svg in "$dir"/*.svg; do
    stem="${svg%.svg}"
    sed 's/font-family="sans-serif"/font-family="DejaVu Sans"/g' "$svg" >"$stem.dejavu.svg"
    chrome --hide-scrollbars --window-size=1100,520 --screenshot="$stem.chromium.png" \
      "file://$stem.dejavu.svg" >/dev/null 2>>"$work/chrome.log" || {
      cat "$work/chrome.log"; echo "chromium failed to draw $svg"; exit 1; }
    python3 .ci/lib/pixels.py same "$stem.chromium.png" "$stem.png" || {
      echo "browser check: $stem.png is not the picture of $stem.svg"; exit 1; }
  done
done
echo "PNG = SVG check passed"

# 4. The comparison page: the SLO line and labels that never overlap, as laid out.
cmp_out="$work/compare-targets"
cargo run --release --quiet -- compare scenarios/compare-targets.toml --replicates 5 --out "$cmp_out" --quiet >/dev/null
cp "$cmp_out/report.html" "$cmp_out/.probe.html"
cat >>"$cmp_out/.probe.html" <<'JS'
<script>
window.addEventListener('load', () => {
  const svg = document.querySelector('#cost_vs_p99 svg');
  const texts = [...svg.querySelectorAll('text')];
  const names = [...document.querySelectorAll('#strategies + table tr td:first-child')]
    .map(td => td.textContent.trim());
  // The legend is drawn first, so a strategy's label is the last text that is its name.
  const labels = names.map(n => {
    const t = texts.filter(x => x.textContent.trim() === n).pop();
    if (!t) return { name: n, missing: true };
    const r = t.getBoundingClientRect();
    return { name: n, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  });
  const slo = texts.map(x => x.textContent.trim()).filter(t => t.startsWith('SLO: p99'));
  // The element under the pointer at each strategy's point must be an invisible box
  // whose <title> names a strategy's mean: what the browser shows as the hover text.
  // Its own, unless another strategy's point lies on it (the later drawn is on top).
  const means = [...svg.querySelectorAll('rect > title')]
    .filter(t => / mean p99 /.test(t.textContent));
  const hovers = names.map(n => {
    const box = means.find(t => t.textContent.startsWith(n + ': mean') || t.textContent.startsWith(n + ' (Pareto): mean'));
    if (!box) return { name: n, missing: true };
    const r = box.parentElement.getBoundingClientRect();
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    const shown = means.find(t => t.parentElement === hit);
    return { name: n, hit: !!shown, own: hit === box.parentElement,
             title: shown ? shown.textContent : null };
  });
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({ names, labels, slo, hovers,
    dashed: svg.querySelectorAll('polyline, path, line').length });
  document.body.appendChild(pre);
});
</script>
JS
chrome --virtual-time-budget=5000 --dump-dom "file://$cmp_out/.probe.html" >"$work/dom-compare.html" 2>>"$work/chrome.log" || {
  cat "$work/chrome.log"; echo "chromium failed to load the comparison page"; exit 1; }
python3 - "$work/dom-compare.html" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("compare check: the page did not finish loading (no probe output)")
probe = json.loads(html.unescape(m.group(1)))
if not probe["slo"]:
    sys.exit("compare check: no SLO line on the cost-vs-p99 chart")
print(f"compare: {probe['slo'][0]} on the chart")
labels = probe["labels"]
if len(labels) != 5 or any(l.get("missing") for l in labels):
    sys.exit(f"compare check: not every strategy is labelled: {labels}")
overlaps = [(a["name"], b["name"]) for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"]
            and a["top"] < b["bottom"] and b["top"] < a["bottom"]]
if overlaps:
    sys.exit(f"compare check: labels printed over each other: {overlaps}")
print(f"compare: {len(labels)} strategy labels, none overlapping")
missed = [h for h in probe["hovers"] if not h.get("hit")]
if missed:
    sys.exit(f"compare check: a strategy's point has no hover title under the pointer: {missed}")
own = sum(1 for h in probe["hovers"] if h["own"])
print(f"compare: hovering each point shows a strategy's title ({own} of {len(probe['hovers'])} their own, the rest a point drawn over them), e.g. {probe['hovers'][0]['title']!r}")
PY

# 5. Events: each kind in a traffic chart's legend exactly when the run counts some.
ev_out="$work/png-failures"
cargo run --release --quiet -- run scenarios/failures.toml --out "$ev_out" --quiet >/dev/null
python3 - "$ev_out" "$work/png-spot-mix" "$work/png-spike" <<'PY'
import json, re, sys
kinds = [("instance failures", "failures"), ("spot interruptions", "spot_interruptions"),
         ("replaced after a failed health check", "replaced_unhealthy")]
for folder in sys.argv[1:]:
    svg = open(f"{folder}/traffic.svg", encoding="utf-8").read()
    texts = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    counts = json.load(open(f"{folder}/summary.json"))["instances"]
    for label, key in kinds:
        shown = [t for t in texts if t.startswith(label + " (")]
        n = counts[key]
        if bool(shown) != (n > 0):
            sys.exit(f"events check: {folder}: legend {shown} but summary.json {key} = {n}")
        if n > 0 and shown != [f"{label} ({n:,})"]:
            sys.exit(f"events check: {folder}: legend {shown}, summary.json {key} = {n}")
        print(f"events: {folder.rsplit('/', 1)[-1]}: {label}: {n}")
print("events check passed")
PY
