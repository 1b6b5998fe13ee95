//! Reading a traffic trace: a CSV with a header row and a column of request counts per
//! interval (the World Cup 1998 file has `period,count`).

use std::path::Path;

/// The counts of `column`, one per data row, each at most `max_count`, at most
/// `max_rows` of them. Errors name the line. The bounds are checked while reading, so
/// that a huge or mistaken file fails early instead of filling memory.
pub(crate) fn load_trace(
    path: &Path,
    column: &str,
    max_count: f64,
    max_rows: usize,
) -> Result<Vec<f64>, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("trace file {shown} does not exist"),
        _ => format!("cannot read trace file {shown}: {e}"),
    })?;
    if metadata.is_dir() {
        return Err(format!("trace file {shown} is a directory"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| format!("cannot read trace file {shown}: {e}"))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("trace file {shown}: {e}"))?
        .clone();
    let Some(index) = headers.iter().position(|h| h.trim() == column) else {
        let found: Vec<&str> = headers.iter().collect();
        return Err(format!(
            "trace file {shown} has no column `{column}` (its header is: {})",
            found.join(", ")
        ));
    };
    let mut counts = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("trace file {shown}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = record.get(index).unwrap_or("").trim();
        let count: f64 = field.parse().map_err(|_| {
            format!(
                "trace file {shown}, line {line}: `{field}` in column `{column}` is not a number"
            )
        })?;
        if !count.is_finite() || count < 0.0 {
            return Err(format!(
                "trace file {shown}, line {line}: count `{field}` must be >= 0"
            ));
        }
        if count > max_count {
            return Err(format!(
                "trace file {shown}, line {line}: count `{field}` is more than {} for one interval, a rate above {} req/s after `scale`",
                super::limits::compact(max_count),
                super::limits::compact(super::limits::MAX_RATE)
            ));
        }
        if counts.len() == max_rows {
            return Err(format!(
                "trace file {shown} has more than {max_rows} data rows, more than a year of per-second counts"
            ));
        }
        counts.push(count);
    }
    if counts.is_empty() {
        return Err(format!("trace file {shown} has no data rows"));
    }
    Ok(counts)
}
