//! Charts with `plotters`, each drawn once, as SVG (inlined in `report.html`), and that
//! SVG rasterised by `resvg` into the PNG (for slides and chat): both files show the
//! same picture. Both are written into the run or comparison folder.
//!
//! - [`run`]: the five charts of one run, from a [`TimelineSeries`] (a bounded copy of
//!   the timeline) and the run's latency histogram; never from per-request data, so a
//!   month-long run draws as fast as an hour-long one.
//! - [`compare`]: cost against p99 and the cost breakdown per strategy, from plain data.
//!
//! Text is measured with a font the project ships (DejaVu Sans, `fonts/`), through
//! plotters' pure-Rust `ab_glyph` path, and the PNG's text is drawn with the same font:
//! no fontconfig, freetype or installed font at build or run time. The SVGs name the
//! family `sans-serif`, so a browser draws them with its own sans font.
//!
//! Determinism: nothing here reads a clock or iterates a hash map; the same data give
//! byte-identical SVG and PNG files (the PNG encoder is deterministic too).
//!
//! Colours come from the Okabe–Ito palette, which stays distinguishable with the common
//! forms of colour blindness; each purchase option has one colour in every chart.

pub mod compare;
mod distribution;
mod hovers;
mod jobs;
pub mod optimize;
pub mod run;
pub mod series;

pub use compare::{StrategyPoint, draw_cost_breakdown, draw_cost_vs_p99};
pub use hovers::Hovers;
pub use optimize::{SearchClass, SearchPoint, draw_search};
pub use run::{
    ChartTier, DeploymentBand, LatencyDistribution, OutageBand, RunChartInput, draw_run_charts,
};
pub use series::{SeriesPoint, TimelineSeries};

use plotters::coord::Shift;
use plotters::element::ErrorBar;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::io::Write;
use std::path::Path;
use std::sync::{Once, OnceLock};

/// The family name under which the shipped font is registered; plotters' SVG backend
/// writes it as `font-family`, and every browser has a `sans-serif`.
pub const FONT: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera licence, see `fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Registers the shipped font with plotters, once per process.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType file checked into the repository; a failure
        // here is a build mistake, not bad input.
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            panic!("the shipped font src/report/fonts/DejaVuSans.ttf does not parse");
        }
    });
}

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters failed to draw (a bug or an impossible range): fatal for the chart.
    #[error("cannot draw chart {chart}: {message}")]
    Draw { chart: String, message: String },
    /// The PNG encoder failed.
    #[error("cannot encode {chart}.png: {message}")]
    Encode { chart: String, message: String },
}

/// The error of one drawing call, before we know which chart it belongs to.
#[derive(Debug)]
pub struct DrawFailed(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFailed {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFailed(e.to_string())
    }
}

/// Something that can draw itself on any plotters backend, naming what a reader may
/// point at in `hovers`.
pub trait Chart {
    /// File stem (`traffic` → `traffic.svg`, `traffic.png`) and HTML anchor.
    fn name(&self) -> &str;
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        hovers: &Hovers,
    ) -> Result<(), DrawFailed>;
}

/// Pixel size of every chart: wide enough for a month of points, short enough that
/// two fit on a laptop screen.
pub const SIZE: (u32, u32) = (1100, 520);

/// One chart rendered in both formats.
pub struct Figure {
    /// The chart's name ([`Chart::name`]): which chart it is, whatever tier it shows.
    pub name: String,
    /// The tier whose name prefixes the files and the anchor (`api` → `api-latency.svg`),
    /// for the charts of a tier other than the entry, so that they sit beside the entry
    /// tier's in one folder and one page; `None` for the entry tier and a comparison.
    pub tier: Option<String>,
    pub title: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Draws `chart` as SVG text and as PNG bytes.
pub fn render<C: Chart>(chart: &C, title: &str) -> Result<Figure, PlotError> {
    register_font();
    let draw_error = |e: DrawFailed| PlotError::Draw {
        chart: chart.name().to_string(),
        message: e.0,
    };
    let mut svg = String::new();
    let hovers = Hovers::default();
    {
        let area = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        chart.draw(&area, &hovers).map_err(draw_error)?;
        area.present().map_err(|e| draw_error(e.into()))?;
    }
    let svg = with_title(svg, title);
    let svg = match svg.rfind("</svg>") {
        Some(end) => format!("{}{}{}", &svg[..end], hovers.svg(), &svg[end..]),
        None => svg,
    };
    let png = rasterise(&svg).map_err(|message| PlotError::Encode {
        chart: chart.name().to_string(),
        message,
    })?;
    Ok(Figure {
        name: chart.name().to_string(),
        tier: None,
        title: title.to_string(),
        svg,
        png,
    })
}

/// `svg` with `title` as its `<title>`, the first child of the root element: browsers
/// show it as the chart's hover text and screen readers read it (no script needed).
fn with_title(svg: String, title: &str) -> String {
    match svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
    {
        Some(open) => {
            let title = super::html::escape(title);
            format!("{}\n<title>{title}</title>{}", &svg[..open], &svg[open..])
        }
        None => svg,
    }
}

/// The SVG renderer's options: the shipped font, and nothing from the system, so that
/// a PNG is the same on every machine (no fontconfig, no installed fonts).
fn svg_options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: OnceLock<resvg::usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = resvg::usvg::Options::default();
        let fonts = options.fontdb_mut();
        fonts.load_font_data(FONT_BYTES.to_vec());
        fonts.set_sans_serif_family("DejaVu Sans");
        options.font_family = "DejaVu Sans".to_string();
        options
    })
}

/// The PNG of an SVG chart: the very SVG rasterised (resvg), so that the two files
/// always show the same picture. Drawing the PNG a second time with plotters' bitmap
/// backend, as before issue 17, gave pictures that disagreed with the SVG: its line
/// rasteriser drew spikes that the data do not have and its glyphs were unevenly spaced.
fn rasterise(svg: &str) -> Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(svg, svg_options()).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let (w, h) = (size.width(), size.height());
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| format!("an empty picture of {w} x {h} pixels"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    // Opaque on white, so alpha is 255 everywhere and the premultiplied RGBA pixels
    // are the plain RGB ones: the PNG drops the alpha channel, a quarter of the bytes.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    encode_png(&rgb, (w, h)).map_err(|e| e.to_string())
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

impl Figure {
    /// The file stem and HTML anchor: the chart's name, after its tier's if it has one.
    pub fn stem(&self) -> String {
        match &self.tier {
            Some(tier) => format!("{tier}-{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Writes `<stem>.svg` and `<stem>.png` into `dir` (a staging folder, replaced as a
    /// whole, so no temporary names are needed) and returns the names written.
    pub fn write_to(&self, dir: &Path) -> anyhow::Result<Vec<String>> {
        let stem = self.stem();
        let mut written = Vec::new();
        for (ext, bytes) in [("svg", self.svg.as_bytes()), ("png", &self.png[..])] {
            let name = format!("{stem}.{ext}");
            let mut file = super::OutputFile::create(dir, &name)?;
            anyhow::Context::with_context(file.write_all(bytes), || {
                format!("cannot write {name}")
            })?;
            written.push(file.finish()?);
        }
        Ok(written)
    }
}

// ----- shared look ------------------------------------------------------------------

/// Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with
/// protanopia, deuteranopia and tritanopia.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
    pub const GREY: RGBColor = RGBColor(153, 153, 153);

    /// One colour per purchase option, the same in every chart.
    pub const ON_DEMAND: RGBColor = BLUE;
    pub const SPOT: RGBColor = ORANGE;
    pub const RESERVED: RGBColor = BLUISH_GREEN;
    pub const SAVINGS_PLAN: RGBColor = REDDISH_PURPLE;
    pub const LOAD_BALANCER: RGBColor = GREY;
    pub const WARM_POOL: RGBColor = YELLOW;
    pub const DATA_TRANSFER: RGBColor = VERMILLION;

    /// The colour of a purchase option by its `cost.csv` name; unknown names are black.
    pub fn purchase_option(name: &str) -> RGBColor {
        match name {
            "on_demand" => ON_DEMAND,
            "spot" => SPOT,
            "reserved" => RESERVED,
            "savings_plan" => SAVINGS_PLAN,
            "warm_pool" => WARM_POOL,
            "load_balancer" => LOAD_BALANCER,
            "data_transfer" => DATA_TRANSFER,
            _ => BLACK,
        }
    }
}

/// Pixels left of and right of the plot on every chart over time, whether or not it
/// has a right axis, so that one moment sits at the same x in every chart of a page.
pub const TIME_LEFT_AXIS: u32 = 90;
pub const TIME_RIGHT_AXIS: u32 = 80;

/// Text sizes in pixels (plotters' size; the SVG prints size / 1.24).
pub const TITLE_SIZE: u32 = 24;
pub const LABEL_SIZE: u32 = 17;
pub const TICK_SIZE: u32 = 15;

/// A light grid that stays behind the data, one line per labelled tick.
pub fn light_grid() -> ShapeStyle {
    RGBColor(225, 225, 225).stroke_width(1)
}

/// No lines between labelled ticks: plotters' default of ten per gap is a wall of grey.
pub fn no_grid() -> ShapeStyle {
    TRANSPARENT.stroke_width(0)
}

/// A latency for a label: three significant figures, no needless decimals.
pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// A human time axis: minutes for short runs, hours for a few days, days beyond.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeAxis {
    /// Seconds per axis unit.
    pub unit_secs: f64,
    /// Axis caption with its unit.
    pub caption: &'static str,
    /// Axis end, in axis units.
    pub end: f64,
}

impl TimeAxis {
    /// Chooses the unit so that the axis shows between about 3 and 300 units.
    pub fn for_duration(secs: f64) -> Self {
        let (unit_secs, caption) = if secs <= 6.0 * 3600.0 {
            (60.0, "time since start [minutes]")
        } else if secs <= 4.0 * 86_400.0 {
            (3600.0, "time since start [hours]")
        } else {
            (86_400.0, "time since start [days]")
        };
        TimeAxis {
            unit_secs,
            caption,
            end: (secs / unit_secs).max(1e-9),
        }
    }

    pub fn at(&self, secs: f64) -> f64 {
        secs / self.unit_secs
    }

    /// The time axis itself: from 0 to the end, its ticks on round steps of its unit
    /// (`ticks`).
    pub fn range(&self) -> TimeCoord {
        TimeCoord {
            range: axis_range(0.0, self.end).into(),
            ticks: self.ticks(),
        }
    }

    /// Ticks at whole steps that people count time in: 5, 10, 15 or 30 minutes or whole
    /// hours on a minutes axis; 1, 2, 3, 6, 12 or 24 hours on an hours axis (so that a
    /// day reads 0, 6, 12, 18, 24); 1, 2, 7, 14 or 28 days on a days axis. The step is
    /// the smallest that gives at most 12 steps.
    pub fn ticks(&self) -> Vec<f64> {
        let steps: &[f64] = match self.unit_secs {
            60.0 => &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 180.0],
            3600.0 => &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0],
            _ => &[1.0, 2.0, 7.0, 14.0, 28.0, 56.0, 91.0, 182.0, 364.0],
        };
        let step = steps
            .iter()
            .copied()
            .find(|step| self.end / step <= 12.0)
            .unwrap_or_else(|| (self.end / 12.0).ceil());
        (0..)
            .map(|k| f64::from(k) * step)
            .take_while(|&t| t <= self.end + 1e-9)
            .collect()
    }
}

/// A time axis as plotters sees it: a linear range whose grid lines and labels are
/// the [`TimeAxis::ticks`]. plotters' own `with_key_points` keeps the range's
/// formatting option, which for `f64` has no default formatter, so a mesh cannot be
/// drawn on it; this coordinate has one (the charts give their own, `tick`, anyway).
#[derive(Clone)]
pub struct TimeCoord {
    range: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl plotters::coord::ranged1d::Ranged for TimeCoord {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    /// The ticks as the bold grid lines and labels, and no light lines.
    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight().allow_light_points() {
            true => Vec::new(),
            false => self.ticks.clone(),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

impl plotters::coord::ranged1d::ReversibleRanged for TimeCoord {
    fn unmap(&self, input: i32, limit: (i32, i32)) -> Option<f64> {
        self.range.unmap(input, limit)
    }
}

/// A tick label without needless decimals and with thousands separators: 20 not
/// 20.0, 2.5 stays 2.5, 2,000,000 not 2000000.
pub fn tick(v: &f64) -> String {
    let rounded = (v * 1000.0).round() / 1000.0;
    if rounded == rounded.trunc() {
        thousands(rounded as i64)
    } else {
        let s = format!("{rounded:.3}");
        s.trim_end_matches('0').to_string()
    }
}

/// Money for ticks and tables: cents below $1,000, whole dollars above.
pub fn dollars(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("${}", thousands(v.round() as i64))
    } else if v.abs() >= 0.01 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

/// Money to the cent with thousands separators, for a bill whose lines must add up
/// on the page: `$1,234.50`, `-$20.74`.
pub fn cents(v: f64) -> String {
    let c = (v * 100.0).round() as i64;
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    format!("{sign}${}.{:02}", thousands((c / 100) as i64), c % 100)
}

/// An integer with thousands separators: `-1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = count(n.unsigned_abs());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The largest magnitude an axis bound may have. A non-finite bound sends plotters'
/// key-point search into an endless loop, and no bill, rate or latency a chart shows
/// comes near 10^15; a larger value is drawn clipped at the edge instead.
pub const AXIS_LIMIT: f64 = 1e15;

/// `v` made usable as an axis bound: NaN becomes 0, anything else is clamped to
/// ±[`AXIS_LIMIT`].
pub fn axis_bound(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-AXIS_LIMIT, AXIS_LIMIT)
    }
}

/// An axis range that is finite and not empty, whatever `lo` and `hi` are. Every
/// linear axis goes through it.
pub fn axis_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let (lo, hi) = (axis_bound(lo), axis_bound(hi));
    if hi > lo { lo..hi } else { lo..lo + 1.0 }
}

/// The axes of a scatter of means with 95 % error bars in both directions (cost
/// against p99 for `compare`, cost against the constraint for `optimize`): each range
/// padded (15 % of its span, at least 5 % of its top) and never below 0, dollars up
/// the side, `tick` labels along the bottom.
pub fn scatter_axes<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
    x_desc: &str,
    y_desc: &str,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    DrawFailed,
> {
    let span = |lo: f64, hi: f64| {
        let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.05).max(1e-6);
        ((lo - pad).max(0.0), hi + pad)
    };
    let ((x0, x1), (y0, y1)) = (span(x_lo, x_hi), span(y_lo, y_hi));
    let mut chart = ChartBuilder::on(plot)
        .margin_left(10)
        .margin_right(30)
        .margin_top(6)
        .x_label_area_size(52)
        .y_label_area_size(90)
        .build_cartesian_2d(axis_range(x0, x1), axis_range(y0, y1))?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| dollars(*v))
        .light_line_style(no_grid())
        .bold_line_style(light_grid())
        .axis_desc_style((FONT, LABEL_SIZE))
        .label_style((FONT, TICK_SIZE))
        .draw()?;
    Ok(chart)
}

/// A point's 95 % intervals as error bars in both directions, centred on `(x, y)`,
/// whiskers `size` pixels wide.
pub fn error_cross<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    (x, x_ci95): (f64, f64),
    (y, y_ci95): (f64, f64),
    style: ShapeStyle,
    size: u32,
) -> Result<(), DrawFailed> {
    chart.draw_series(std::iter::once(ErrorBar::new_vertical(
        x,
        y - y_ci95,
        y,
        y + y_ci95,
        style,
        size,
    )))?;
    chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
        y,
        x - x_ci95,
        x,
        x + x_ci95,
        style,
        size,
    )))?;
    Ok(())
}

/// An upper bound for an axis that leaves headroom above `max` (never 0, never beyond
/// [`AXIS_LIMIT`]).
pub fn headroom(max: f64) -> f64 {
    if max > 0.0 {
        axis_bound(max * 1.12)
    } else {
        1.0
    }
}

// ----- labels beside points -------------------------------------------------------------

/// A label's box in pixels, edges included on the left and top only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelBox {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl LabelBox {
    fn at(left: i32, top: i32, (w, h): (i32, i32)) -> Self {
        LabelBox {
            left,
            top,
            right: left + w,
            bottom: top + h,
        }
    }

    pub fn intersects(&self, other: &LabelBox) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    fn inside(&self, bounds: &LabelBox) -> bool {
        self.left >= bounds.left
            && self.top >= bounds.top
            && self.right <= bounds.right
            && self.bottom <= bounds.bottom
    }
}

/// Where to write each point's label so that no two labels overlap, none covers a
/// point's marker, and all stay inside `bounds`: `anchors` are the points in pixels,
/// `sizes` their labels' widths and heights, `marker` the markers' half-size.
///
/// Deterministic and greedy, in the order given: each label takes the first free place
/// among those around its point, tried nearest first — right, left, above, below, then
/// the four corners, on rings 6 pixels apart — and `None` when no place within `bounds`
/// is free (the legend still names every point). A force-directed layout was rejected:
/// it needs iterations and a tolerance, and can still leave overlaps; this one cannot.
pub fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(i32, i32)],
    marker: i32,
    bounds: LabelBox,
) -> Vec<Option<LabelBox>> {
    let markers: Vec<LabelBox> = anchors
        .iter()
        .map(|&(x, y)| LabelBox::at(x - marker, y - marker, (2 * marker, 2 * marker)))
        .collect();
    let reach = (bounds.right - bounds.left).max(bounds.bottom - bounds.top);
    let mut placed: Vec<LabelBox> = Vec::with_capacity(anchors.len());
    let mut out = Vec::with_capacity(anchors.len());
    for (&(x, y), &(w, h)) in anchors.iter().zip(sizes) {
        let free = |b: &LabelBox| {
            b.inside(&bounds)
                && !placed.iter().any(|p| p.intersects(b))
                && !markers.iter().any(|m| m.intersects(b))
        };
        let mut found = None;
        'rings: for d in (marker + 3..=reach + marker + 3).step_by(6) {
            // Along each side of the ring, from its middle outwards, so that a label
            // moves as little as it can from its point.
            let mut candidates = vec![
                (x + d, y - h / 2),
                (x - d - w, y - h / 2),
                (x - w / 2, y - d - h),
                (x - w / 2, y + d),
                (x + d, y - d - h),
                (x + d, y + d),
                (x - d - w, y - d - h),
                (x - d - w, y + d),
            ];
            for s in (6..d).step_by(6) {
                candidates.extend([
                    (x + d, y - h / 2 - s),
                    (x + d, y - h / 2 + s),
                    (x - d - w, y - h / 2 - s),
                    (x - d - w, y - h / 2 + s),
                    (x - w / 2 + s, y - d - h),
                    (x - w / 2 - s, y - d - h),
                    (x - w / 2 + s, y + d),
                    (x - w / 2 - s, y + d),
                ]);
            }
            for (left, top) in candidates {
                let b = LabelBox::at(left, top, (w, h));
                if free(&b) {
                    found = Some(b);
                    break 'rings;
                }
            }
        }
        if let Some(b) = found {
            placed.push(b);
        }
        out.push(found);
    }
    out
}

// ----- legends ----------------------------------------------------------------------

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    /// A filled area or bar.
    Fill(RGBColor),
    /// A solid line.
    Line(RGBColor),
    /// A dashed line (reference values: targets, SLOs).
    Dashed(RGBColor),
    /// A round point marker.
    Marker(RGBColor),
    /// A triangle marking an event.
    Triangle(RGBColor),
}

/// Draws the legend as rows of entries at the top of `area`, outside the plot, so it
/// never hides data (plotters' own legend box sits on the plot); returns the height used.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Key, String)],
) -> Result<u32, DrawFailed> {
    const ROW: i32 = 26;
    const SWATCH: i32 = 24;
    let font = (FONT, TICK_SIZE).into_font();
    let width = area.dim_in_pixel().0 as i32;
    let (left, right) = (80, width - 20);
    let (mut x, mut y) = (left, 4);
    for (key, label) in entries {
        let text_w = area
            .estimate_text_size(label, &TextStyle::from(font.clone()))
            .map(|(w, _)| w as i32)
            .unwrap_or(8 * label.len() as i32);
        let entry_w = SWATCH + 6 + text_w + 22;
        if x + entry_w > right && x > left {
            x = left;
            y += ROW;
        }
        let mid = y + ROW / 2;
        match *key {
            Key::Fill(c) => area.draw(&Rectangle::new(
                [(x, mid - 7), (x + SWATCH, mid + 7)],
                c.filled(),
            ))?,
            Key::Line(c) => area.draw(&PathElement::new(
                vec![(x, mid), (x + SWATCH, mid)],
                c.stroke_width(3),
            ))?,
            Key::Dashed(c) => {
                for s in [0, 10, 20] {
                    area.draw(&PathElement::new(
                        vec![(x + s, mid), (x + (s + 5).min(SWATCH), mid)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Key::Marker(c) => area.draw(&Circle::new((x + SWATCH / 2, mid), 5, c.filled()))?,
            Key::Triangle(c) => {
                area.draw(&TriangleMarker::new((x + SWATCH / 2, mid), 6, c.filled()))?
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (x + SWATCH + 6, mid),
            anchored(font.clone(), HPos::Left, VPos::Center),
        ))?;
        x += entry_w;
    }
    Ok((y + ROW + 4) as u32)
}

/// A text style anchored at the given corner or middle of the text.
pub fn anchored<'a>(font: impl Into<TextStyle<'a>>, h: HPos, v: VPos) -> TextStyle<'a> {
    font.into().pos(Pos::new(h, v))
}

/// A white canvas with the title on top and the legend under it; returns the area
/// left for the plot.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[(Key, String)],
) -> Result<DrawingArea<DB, Shift>, DrawFailed> {
    root.fill(&WHITE)?;
    let body = root.titled(title, (FONT, TITLE_SIZE).into_font().color(&BLACK))?;
    let used = draw_legend(&body, legend)?;
    Ok(body.split_vertically(used).1)
}

/// A colour lightened towards white by `f` (0 = itself, 1 = white), opaque, so that
/// stacked areas never blend into each other.
pub fn tint(c: RGBColor, f: f64) -> RGBColor {
    let l = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * f).round() as u8;
    RGBColor(l(c.0), l(c.1), l(c.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_axis_units_follow_the_run_length() {
        assert_eq!(TimeAxis::for_duration(3.0 * 3600.0).unit_secs, 60.0);
        assert_eq!(TimeAxis::for_duration(2.0 * 86_400.0).unit_secs, 3600.0);
        assert_eq!(TimeAxis::for_duration(30.0 * 86_400.0).unit_secs, 86_400.0);
        assert_eq!(TimeAxis::for_duration(30.0 * 86_400.0).end, 30.0);
    }

    /// Issue 17: time ticks on the steps people count in, at most 12 steps: a 3-hour
    /// run every 15 minutes, a 48-hour one every 6 hours, 3 days every 6 hours, 87 days
    /// every 14 days, 2 hours every 10 minutes.
    #[test]
    fn time_ticks_fall_on_hours_and_days() {
        let ticks = |secs: f64| TimeAxis::for_duration(secs).ticks();
        let steps = |t: Vec<f64>| (t[1] - t[0], t.len(), *t.last().unwrap());
        assert_eq!(steps(ticks(3.0 * 3600.0)), (15.0, 13, 180.0));
        assert_eq!(steps(ticks(48.0 * 3600.0)), (6.0, 9, 48.0));
        assert_eq!(steps(ticks(72.0 * 3600.0)), (6.0, 13, 72.0));
        assert_eq!(steps(ticks(87.0 * 86_400.0)), (14.0, 7, 84.0));
        assert_eq!(steps(ticks(2.0 * 3600.0)), (10.0, 13, 120.0));
    }

    #[test]
    fn ticks_and_dollars_read_like_a_person_wrote_them() {
        assert_eq!(tick(&20.0), "20");
        assert_eq!(tick(&2.5), "2.5");
        assert_eq!(tick(&0.1), "0.1");
        assert_eq!(tick(&2_000_000.0), "2,000,000");
        assert_eq!(tick(&-1500.0), "-1,500");
        assert_eq!(dollars(1234.4), "$1,234");
        assert_eq!(dollars(12.345), "$12.35");
        assert_eq!(dollars(0.0123), "$0.01");
        assert_eq!(dollars(0.5), "$0.50");
        assert_eq!(dollars(0.00123), "$0.0012");
        assert_eq!(ms(1837.055), "1837 ms");
        assert_eq!(ms(46.687), "46.7 ms");
        assert_eq!(dollars(0.0), "$0.00");
        assert_eq!(cents(1234.505), "$1,234.51");
        assert_eq!(cents(-20.736), "-$20.74");
        assert_eq!(cents(0.004), "$0.00");
    }

    /// Issue 17: labels never overlap. Five points within a few pixels of each other
    /// (compare-targets' cpu 50, its variants and requests 2400/min sit within 30 ms
    /// and 1 cent) and one far away: every label is placed, inside the bounds, and no
    /// two label boxes, nor a label and a marker, intersect.
    #[test]
    fn labels_never_overlap() {
        let bounds = LabelBox {
            left: 100,
            top: 80,
            right: 1070,
            bottom: 460,
        };
        let anchors = [
            (290, 292),
            (227, 158),
            (905, 395),
            (288, 280),
            (275, 287),
            (286, 289),
        ];
        let sizes = [(60, 18), (60, 18), (60, 18), (160, 18), (220, 18), (90, 18)];
        let boxes = place_labels(&anchors, &sizes, 8, bounds);
        let placed: Vec<LabelBox> = boxes.iter().map(|b| b.expect("a free place")).collect();
        for (i, a) in placed.iter().enumerate() {
            assert!(a.inside(&bounds), "{a:?}");
            assert_eq!((a.right - a.left, a.bottom - a.top), sizes[i]);
            for b in &placed[i + 1..] {
                assert!(!a.intersects(b), "{a:?} and {b:?} overlap");
            }
            for &(x, y) in &anchors {
                let marker = LabelBox::at(x - 8, y - 8, (16, 16));
                assert!(
                    !a.intersects(&marker),
                    "{a:?} covers the marker at {x}, {y}"
                );
            }
        }
        // An isolated point keeps the first choice: right of its marker, centred.
        assert_eq!(placed[2], LabelBox::at(905 + 11, 395 - 9, (60, 18)));
        // Same input, same places.
        assert_eq!(boxes, place_labels(&anchors, &sizes, 8, bounds));
        // No room at all: no label rather than an overlapping one.
        let tiny = LabelBox {
            left: 0,
            top: 0,
            right: 50,
            bottom: 50,
        };
        assert_eq!(place_labels(&[(25, 25)], &[(60, 18)], 8, tiny), vec![None]);
    }

    /// Runs `draw` on another thread and fails if it has not returned within a minute:
    /// a chart handed an infinite axis used to never return.
    fn returns_in_time<T: Send + 'static>(draw: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(draw());
        });
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("drawing did not finish: an axis range is not finite")
    }

    /// Non-finite and absurd values (a bill of 1e300 × hours overflows to infinity)
    /// are drawn clipped: every chart returns, and no axis range is infinite.
    #[test]
    fn non_finite_values_never_reach_an_axis() {
        assert_eq!(axis_range(0.0, f64::INFINITY), 0.0..AXIS_LIMIT);
        assert_eq!(axis_range(f64::NAN, f64::NAN), 0.0..1.0);
        assert_eq!(headroom(f64::INFINITY), AXIS_LIMIT);
        let figures = returns_in_time(|| {
            let point = |i: f64, v: f64| SeriesPoint {
                start_s: 60.0 * i,
                end_s: 60.0 * (i + 1.0),
                arrivals: u64::MAX,
                completions: 10,
                p50_ms: v,
                p99_ms: v,
                mean_cpu: v,
                desired: u32::MAX,
                cost_usd: v,
                cost_on_demand_usd: v,
                cost_load_balancer_usd: 1e300,
                ..SeriesPoint::default()
            };
            let input = RunChartInput {
                scenario: "absurd".into(),
                tier: None,
                points: vec![
                    point(0.0, 1.0),
                    point(1.0, f64::INFINITY),
                    point(2.0, f64::NAN),
                    point(3.0, f64::NEG_INFINITY),
                ],
                outages: vec![OutageBand {
                    zone: "a".into(),
                    from_s: 60.0,
                    to_s: f64::INFINITY,
                }],
                deployments: vec![DeploymentBand {
                    policy: "rolling".into(),
                    from_s: 30.0,
                    to_s: f64::INFINITY,
                    text: "a deployment that never ends".into(),
                    phases: vec![
                        (f64::NAN, "never".into()),
                        (f64::INFINITY, "after the end".into()),
                        (60.0, "a phase".into()),
                    ],
                }],
                duration_s: 240.0,
                slo_latency_ms: f64::INFINITY,
                slo_percentile: 99.0,
                units: ("instance", "instances"),
                cpu_targets: vec![f64::NAN],
                request_targets: vec![f64::INFINITY],
                cpu_baseline: Some(f64::NAN),
                distribution: Some(LatencyDistribution {
                    ccdf: vec![(1.0, 1.0), (f64::INFINITY, 1e-300)],
                    completed: 10,
                    percentiles: vec![("p99".into(), f64::INFINITY), ("p50".into(), f64::NAN)],
                }),
            };
            let run = draw_run_charts(&input).map(|f| f.len());
            let strategy = |cost: f64, p99: f64| StrategyPoint {
                name: "s".into(),
                cost_mean: cost,
                cost_ci95: cost,
                p99_mean: p99,
                p99_ci95: f64::NAN,
                pareto: true,
                cost_breakdown: vec![("on_demand".into(), cost)],
                replicates: vec![(p99, cost), (f64::NAN, f64::INFINITY)],
            };
            let points = [strategy(f64::INFINITY, 1.0), strategy(1.0, f64::NAN)];
            let compare = (
                draw_cost_vs_p99("absurd", &points, Some((99.0, f64::INFINITY))).is_ok(),
                draw_cost_breakdown("absurd", &points).is_ok(),
            );
            (run, compare)
        });
        assert_eq!(figures.0.unwrap(), 5);
        assert_eq!(figures.1, (true, true));
    }
}
