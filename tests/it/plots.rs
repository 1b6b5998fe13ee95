//! Issue 5: the charts and report.html of a run, through the real binary.

use crate::common::scenario_path;
use assert_cmd::Command;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const CHARTS: [&str; 5] = ["traffic", "latency", "cpu", "cost", "latency_distribution"];

fn run_spike(out: &Path, extra: &[&str]) {
    Command::cargo_bin("simcloud")
        .expect("binary built")
        .args([
            "run",
            scenario_path("spike.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .args(extra)
        .assert()
        .success();
}

#[test]
fn a_run_writes_decodable_non_blank_charts_and_a_self_contained_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    run_spike(&out, &[]);
    for chart in CHARTS {
        let png = out.join(format!("{chart}.png"));
        let image = image::open(&png)
            .unwrap_or_else(|e| panic!("{} does not decode: {e}", png.display()))
            .to_rgb8();
        assert_eq!(image.dimensions(), (1100, 520), "{chart}.png");
        let colours: BTreeSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
        assert!(
            colours.len() > 50,
            "{chart}.png looks blank: {} distinct colours",
            colours.len()
        );
        let svg = fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{chart}.svg is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(doc.descendants().filter(|n| n.is_element()).count() > 50);
    }
    // Issue 17: the spike's scale-outs are marked, each marker with its hover text.
    let traffic = fs::read_to_string(out.join("traffic.svg")).unwrap();
    let marks = traffic
        .matches("<title>scale-out (desired raised) × ")
        .count();
    assert!(marks > 0, "no hover title on the scale-out markers");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), CHARTS.len());
    for needle in ["Summary", "Bill", "Scenario as run", "name = \"spike\""] {
        let needle = needle.replace('"', "&quot;");
        assert!(html.contains(&needle), "report.html lacks {needle}");
    }
    // Self-contained: nothing to fetch, nothing to run.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http"));
    assert!(!html.contains("href=\"http"));
    assert!(!out.join(".report.html.tmp").exists());
}

#[test]
fn no_plots_writes_no_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    run_spike(&out, &["--no-plots"]);
    assert!(out.join("summary.json").is_file());
    for entry in fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !(name.ends_with(".png") || name.ends_with(".svg") || name.ends_with(".html")),
            "--no-plots wrote {name}"
        );
    }
}

#[test]
fn pictures_are_byte_identical_for_identical_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_spike(&a, &["--set", "duration=70m"]);
    run_spike(&b, &["--set", "duration=70m"]);
    for chart in CHARTS {
        for ext in ["svg", "png"] {
            let name = format!("{chart}.{ext}");
            assert!(
                fs::read(a.join(&name)).unwrap() == fs::read(b.join(&name)).unwrap(),
                "{name} differs between identical runs"
            );
        }
    }
    assert_eq!(
        fs::read(a.join("report.html")).unwrap(),
        fs::read(b.join("report.html")).unwrap()
    );
}

/// A scenario name with markup is escaped in the page, not interpreted.
#[test]
fn user_strings_are_escaped_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    run_spike(
        &out,
        &["--set", "name=\"<i>spike & 'co'\"", "--set", "duration=70m"],
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<i>spike"));
    assert!(html.contains("&lt;i&gt;spike &amp; &#39;co&#39;"));
}

/// The picture of `svg` as the test sees it: resvg with the repository's font file and
/// no system font, on white — built here from the files, not through simcloud's code.
fn rasterise_svg(svg: &str) -> image::RgbImage {
    let mut options = resvg::usvg::Options::default();
    let font = crate::common::root().join("src/report/fonts/DejaVuSans.ttf");
    options.fontdb_mut().load_font_data(fs::read(font).unwrap());
    options.fontdb_mut().set_sans_serif_family("DejaVu Sans");
    let tree = resvg::usvg::Tree::from_str(svg, &options).expect("the SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, Default::default(), &mut pixmap.as_mut());
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]]);
    image::RgbImage::from_raw(size.width(), size.height(), rgb.collect()).unwrap()
}

/// Issue 17: a PNG shows the same picture as its SVG. Before, plotters drew the PNG a
/// second time with its bitmap backend, which drew spikes the data do not have
/// (`spot-mix`'s p99 reached 2,000,000 ms against a per-minute maximum of 872,415 ms)
/// and spaced glyphs unevenly. Every chart of four scenarios is rasterised from its
/// SVG and compared with its PNG pixel by pixel.
///
/// Tolerance: no pixel may differ by more than 2 levels (of 255) in any channel. The
/// same renderer on the same bytes gives identical pixels; 2 levels leaves room for
/// rounding in premultiplied alpha and nothing else. A false spike, a missing series
/// or text in another font moves hundreds of pixels by far more than that, so the
/// test fails on any of the defects above.
#[test]
fn issue_17_every_png_is_its_svg_rasterised() {
    let tmp = tempfile::tempdir().unwrap();
    for (scenario, duration) in [
        ("spike", "3h"),
        ("spot-mix", "2d"),
        ("predictive", "1d"),
        ("diurnal", "1d"),
    ] {
        let out = tmp.path().join(scenario);
        Command::cargo_bin("simcloud")
            .unwrap()
            .args([
                "run",
                scenario_path(&format!("{scenario}.toml")).to_str().unwrap(),
            ])
            .args(["--out", out.to_str().unwrap(), "--quiet"])
            .args(["--set", &format!("duration={duration}")])
            .assert()
            .success();
        let mut charts = 0;
        for entry in fs::read_dir(&out).unwrap() {
            let svg_path = entry.unwrap().path();
            if svg_path.extension().is_none_or(|e| e != "svg") {
                continue;
            }
            charts += 1;
            let expected = rasterise_svg(&fs::read_to_string(&svg_path).unwrap());
            let png_path = svg_path.with_extension("png");
            let png = image::open(&png_path).unwrap().to_rgb8();
            assert_eq!(
                png.dimensions(),
                expected.dimensions(),
                "{}",
                png_path.display()
            );
            let worst = png
                .pixels()
                .zip(expected.pixels())
                .flat_map(|(a, b)| (0..3).map(move |c| a.0[c].abs_diff(b.0[c])))
                .max()
                .unwrap();
            assert!(
                worst <= 2,
                "{} differs from its SVG by {worst} levels in some pixel",
                png_path.display()
            );
        }
        assert_eq!(charts, CHARTS.len(), "{scenario}: charts compared");
    }
}
