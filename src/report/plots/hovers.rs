//! Hover texts of chart elements, added to a chart's SVG as invisible boxes.

/// A pixel of the picture, (x, y) from the top left.
type Pixel = (i32, i32);

/// The hover texts of a chart's elements (issue 17: "hover titles on chart elements
/// (SVG `<title>`, no scripts needed)"). plotters writes no `<title>` of its own, so a
/// chart records here, as it draws, the pixel box of each element worth naming (a
/// strategy's point, a bar, an event's marker) and its text; [`super::render`] adds them to
/// the SVG, after everything drawn, as rectangles of opacity 0, each with its
/// `<title>`: a browser shows the text under the pointer, and the picture, so the PNG
/// too, is unchanged.
#[derive(Default)]
pub struct Hovers(std::cell::RefCell<Vec<(Pixel, Pixel, String)>>);

impl Hovers {
    /// Names the pixels `radius` or less from `at` (a marker's box).
    pub fn around(&self, at: Pixel, radius: i32, text: String) {
        self.boxed(
            (at.0 - radius, at.1 - radius),
            (at.0 + radius, at.1 + radius),
            text,
        );
    }

    /// Names the box from `corner` to the opposite corner `other` (pixels).
    pub fn boxed(&self, corner: Pixel, other: Pixel, text: String) {
        let (left, right) = (corner.0.min(other.0), corner.0.max(other.0));
        let (top, bottom) = (corner.1.min(other.1), corner.1.max(other.1));
        self.0
            .borrow_mut()
            .push(((left, top), (right, bottom), text));
    }

    /// The SVG group of the boxes, or nothing without any.
    pub(super) fn svg(&self) -> String {
        let boxes = self.0.borrow();
        if boxes.is_empty() {
            return String::new();
        }
        let mut group = String::from("<g fill=\"#000\" fill-opacity=\"0\">\n");
        for ((left, top), (right, bottom), text) in boxes.iter() {
            group.push_str(&format!(
                "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>\n",
                (right - left).max(1),
                (bottom - top).max(1),
                crate::report::html::escape(text)
            ));
        }
        group.push_str("</g>\n");
        group
    }
}
