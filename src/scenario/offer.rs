//! Reading an AWS Price List offer file: the EC2 price list of one Region in CSV, as
//! AWS publishes it (aws-facts.md 22.1: `https://pricing.us-east-1.amazonaws.com/
//! offers/v1.0/aws/AmazonEC2/current/<region>/index.csv`), for `[pricing] offer_file`
//! and `simcloud catalog --offer-file`.
//!
//! The layout (aws-facts.md 22.2): metadata lines (`"FormatVersion","v1.0"`,
//! `"Disclaimer"`, `"Publication Date"`, `"Version"`, `"OfferCode","AmazonEC2"`), then
//! the header on line 6, then one row per SKU, term and rate. Columns change between
//! publications, so they are found by name, never by position; extra columns are
//! ignored, and the two spellings of the pre-installed software column seen in
//! published files (`Pre Installed S/W`, later `PreInstalled Software`) are both read.
//!
//! The rows kept are the Linux on-demand shared-tenancy hourly prices (aws-facts.md
//! 22.2, "reader recipe"): `TermType` = OnDemand, `Unit` = Hrs, `Tenancy` = Shared,
//! `Operating System` = Linux, `Pre Installed S/W` = NA, `CapacityStatus` = Used, and,
//! where the file has these columns, `Product Family` = Compute Instance, `License
//! Model` = No License required, `Currency` = USD, and the Region asked for (`Region
//! Code`, or the `Location` display name). Each gives one instance type's `vCPU`,
//! `Memory` (`"8 GiB"`) and `PricePerUnit`. Reserved, Windows, RHEL, SQL Server,
//! Dedicated and Host rows, capacity-reservation rows and upfront fees are skipped.
//!
//! A file of several Regions (the global price list) gives a type more than once at
//! different prices: that is an error asking for the Region rather than a silent pick.
//! What this does not read: reservation prices (RIs stay derived from on-demand by
//! `catalog::reservation_discount`), spot prices (not in the price list at all) and
//! the JSON form.
//!
//! A Region's file is hundreds of megabytes, so it is read as a stream, and what it
//! gives is kept per (file, Region, size, modification time) for the process: a
//! comparison resolves the scenario once per strategy, and each would otherwise read it
//! again.

use super::catalog::Arch;
use super::limits::{MAX_MEMORY_GIB, MAX_PRICE_PER_HOUR, MAX_VCPU, compact};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What an offer file gives for one instance type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OfferType {
    pub(crate) vcpu: u32,
    pub(crate) memory_gib: f64,
    pub(crate) price_per_hour: f64,
    pub(crate) arch: Arch,
    /// The line of the file it was read from.
    pub(crate) line: u64,
}

/// The instance types of an offer file, by name.
#[derive(Debug, Default)]
pub(crate) struct Offer {
    pub(crate) types: BTreeMap<String, OfferType>,
}

/// Why an offer file cannot be used: a message, and the line of the file when the
/// problem is on one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OfferError {
    pub(crate) line: Option<u64>,
    pub(crate) message: String,
}

impl OfferError {
    fn at(line: u64, message: impl Into<String>) -> Self {
        OfferError {
            line: Some(line),
            message: message.into(),
        }
    }

    fn file(message: impl Into<String>) -> Self {
        OfferError {
            line: None,
            message: message.into(),
        }
    }

    /// `path:line: message`, for a message that has to name the file itself.
    pub(crate) fn with_path(&self, path: &Path) -> String {
        match self.line {
            Some(line) => format!("offer file {}:{line}: {}", path.display(), self.message),
            None => format!("offer file {}: {}", path.display(), self.message),
        }
    }
}

/// The column names the reader needs (alternative spellings in order), then those it
/// checks only when the file has them.
const INSTANCE_TYPE: &[&str] = &["Instance Type"];
const VCPU: &[&str] = &["vCPU"];
const MEMORY: &[&str] = &["Memory"];
const TERM_TYPE: &[&str] = &["TermType"];
const UNIT: &[&str] = &["Unit"];
const PRICE: &[&str] = &["PricePerUnit"];
const TENANCY: &[&str] = &["Tenancy"];
const OS: &[&str] = &["Operating System"];
const PRE_INSTALLED: &[&str] = &["Pre Installed S/W", "PreInstalled Software"];
const CAPACITY_STATUS: &[&str] = &["CapacityStatus"];
const REQUIRED: [&[&str]; 10] = [
    INSTANCE_TYPE,
    VCPU,
    MEMORY,
    TERM_TYPE,
    UNIT,
    PRICE,
    TENANCY,
    OS,
    PRE_INSTALLED,
    CAPACITY_STATUS,
];
const PRODUCT_FAMILY: &[&str] = &["Product Family"];
const LICENSE: &[&str] = &["License Model"];
const CURRENCY: &[&str] = &["Currency"];
const REGION_CODE: &[&str] = &["Region Code"];
const LOCATION: &[&str] = &["Location"];
const PROCESSOR: &[&str] = &["Physical Processor"];

/// Metadata lines above the header are at most this many (AWS writes five).
const MAX_PREAMBLE_LINES: u64 = 10;

type CacheKey = (PathBuf, Option<String>, u64, Option<std::time::SystemTime>);

static CACHE: Mutex<BTreeMap<CacheKey, Arc<Offer>>> = Mutex::new(BTreeMap::new());

/// The Linux on-demand shared-tenancy types of the offer file at `path`, in `region`
/// (a Region code like `us-east-1`, or its display name) or in whichever Region the
/// file holds.
pub(crate) fn load_offer(path: &Path, region: Option<&str>) -> Result<Arc<Offer>, OfferError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OfferError::file("does not exist"),
        _ => OfferError::file(format!("cannot be read: {e}")),
    })?;
    if metadata.is_dir() {
        return Err(OfferError::file("is a directory, not an offer file"));
    }
    if !metadata.is_file() {
        // A device or a pipe might never end (`/dev/zero`).
        return Err(OfferError::file("is not a regular file"));
    }
    let key = (
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        region.map(str::to_string),
        metadata.len(),
        metadata.modified().ok(),
    );
    if let Some(offer) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(offer);
    }
    let file =
        std::fs::File::open(path).map_err(|e| OfferError::file(format!("cannot be read: {e}")))?;
    let mut input = std::io::BufReader::new(file);
    // The first bytes tell an offer file from anything else before the CSV reader
    // takes a first "line" that may be the whole of a large file without newlines.
    let start = std::io::BufRead::fill_buf(&mut input)
        .map_err(|e| OfferError::file(format!("cannot be read: {e}")))?;
    let start = start.strip_prefix("\u{feff}".as_bytes()).unwrap_or(start);
    if !start.is_empty()
        && !start.starts_with(b"\"FormatVersion\"")
        && !start.starts_with(b"FormatVersion,")
    {
        return Err(not_an_offer(1));
    }
    let offer = Arc::new(read_offer(input, region)?);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, Arc::clone(&offer));
    }
    Ok(offer)
}

/// The error of a file that does not begin as an offer file does.
fn not_an_offer(line: u64) -> OfferError {
    OfferError::at(
        line,
        "is not an AWS Price List offer file: it should begin with \"FormatVersion\",\"v1.0\", then the Disclaimer, Publication Date, Version and OfferCode lines and the header (aws-facts.md 22.2)",
    )
}

/// The columns of the header, by name.
struct Columns {
    index: BTreeMap<String, usize>,
}

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.index.get(*n).copied())
    }
}

/// A csv error in the offer file's words, with its line.
fn csv_error(e: &csv::Error) -> OfferError {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not a text file (invalid UTF-8)".to_string(),
        csv::ErrorKind::Io(io) => format!("cannot be read: {io}"),
        _ => format!("is not valid CSV: {e}"),
    };
    OfferError { line, message }
}

pub(crate) fn read_offer(
    input: impl std::io::Read,
    region: Option<&str>,
) -> Result<Offer, OfferError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    // The metadata lines, then the header (the first line whose first field is SKU).
    let header_line = loop {
        let more = reader.read_record(&mut record).map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(1, |p| p.line());
        if !more {
            return Err(match line {
                1 => OfferError::file("is empty, not an offer file"),
                _ => OfferError::at(line, "ends before the header line (SKU,OfferTermCode,...)"),
            });
        }
        let first = record.get(0).unwrap_or("").trim_start_matches('\u{feff}');
        if line == 1 && first != "FormatVersion" {
            return Err(not_an_offer(1));
        }
        if first == "OfferCode" {
            let code = record.get(1).unwrap_or("");
            if code != "AmazonEC2" {
                return Err(OfferError::at(
                    line,
                    format!("is the price list of {code}, not of AmazonEC2 (EC2 instances)"),
                ));
            }
        }
        if first == "SKU" {
            break line;
        }
        if line >= MAX_PREAMBLE_LINES {
            return Err(not_an_offer(line));
        }
    };
    let columns = Columns {
        index: record
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_string(), i))
            .collect(),
    };
    let mut required = [0usize; REQUIRED.len()];
    for (slot, names) in required.iter_mut().zip(REQUIRED) {
        *slot = columns.find(names).ok_or_else(|| {
            OfferError::at(
                header_line,
                format!(
                    "is not an EC2 offer file: its header has no column \"{}\" (aws-facts.md 22.2)",
                    names[0]
                ),
            )
        })?;
    }
    let [
        type_col,
        vcpu_col,
        memory_col,
        term_col,
        unit_col,
        price_col,
        tenancy_col,
        os_col,
        software_col,
        capacity_col,
    ] = required;
    let family_col = columns.find(PRODUCT_FAMILY);
    let license_col = columns.find(LICENSE);
    let currency_col = columns.find(CURRENCY);
    let processor_col = columns.find(PROCESSOR);
    let region_col = match region {
        None => None,
        Some(region) => {
            let by_code = region.contains('-') && !region.contains(' ');
            let col = if by_code {
                columns.find(REGION_CODE)
            } else {
                columns.find(LOCATION)
            };
            Some(col.ok_or_else(|| {
                OfferError::at(
                    header_line,
                    format!(
                        "has no column \"{}\" to find the Region {region} by",
                        if by_code { "Region Code" } else { "Location" }
                    ),
                )
            })?)
        }
    };
    let mut offer = Offer::default();
    while reader.read_record(&mut record).map_err(|e| csv_error(&e))? {
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let optional_is = |col: Option<usize>, value: &str| col.is_none_or(|c| field(c) == value);
        let kept = field(term_col) == "OnDemand"
            && field(unit_col) == "Hrs"
            && field(tenancy_col) == "Shared"
            && field(os_col) == "Linux"
            && field(software_col) == "NA"
            && field(capacity_col) == "Used"
            && optional_is(family_col, "Compute Instance")
            && optional_is(license_col, "No License required")
            && optional_is(currency_col, "USD")
            && region_col.is_none_or(|c| Some(field(c)) == region)
            && !field(type_col).is_empty();
        if !kept {
            continue;
        }
        let bad = |col: usize, what: &str| {
            OfferError::at(
                line,
                format!(
                    "column \"{}\" = \"{}\": {what}",
                    header_name(&columns, col),
                    field(col)
                ),
            )
        };
        let name = field(type_col).to_string();
        let vcpu: u32 = field(vcpu_col)
            .trim()
            .parse()
            .ok()
            .filter(|v| (1..=MAX_VCPU).contains(v))
            .ok_or_else(|| {
                bad(
                    vcpu_col,
                    &format!("expected a whole number of vCPUs from 1 to {MAX_VCPU}"),
                )
            })?;
        let memory_gib = parse_memory(field(memory_col))
            .filter(|m| *m > 0.0 && *m <= MAX_MEMORY_GIB)
            .ok_or_else(|| {
                bad(
                    memory_col,
                    &format!(
                        "expected a memory size like \"8 GiB\", up to {} GiB",
                        compact(MAX_MEMORY_GIB)
                    ),
                )
            })?;
        let price_per_hour: f64 = field(price_col)
            .trim()
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p > 0.0 && *p <= MAX_PRICE_PER_HOUR)
            .ok_or_else(|| {
                bad(
                    price_col,
                    &format!(
                        "expected a price in USD per hour above 0 and at most {}",
                        compact(MAX_PRICE_PER_HOUR)
                    ),
                )
            })?;
        let arch = match processor_col.map(field) {
            Some(p) if p.contains("Graviton") => Arch::Arm64,
            _ => Arch::X86_64,
        };
        let found = OfferType {
            vcpu,
            memory_gib,
            price_per_hour,
            arch,
            line,
        };
        match offer.types.get(&name) {
            Some(first)
                if (first.price_per_hour, first.vcpu, first.memory_gib)
                    != (price_per_hour, vcpu, memory_gib) =>
            {
                return Err(OfferError::at(
                    line,
                    format!(
                        "gives {name} at ${price_per_hour}/h, line {} at ${}/h: the file holds several Regions or price lists; name one with `region` (pricing.region, or --region), like \"us-east-1\"",
                        first.line, first.price_per_hour
                    ),
                ));
            }
            Some(_) => {}
            None => {
                offer.types.insert(name, found);
            }
        }
    }
    if offer.types.is_empty() {
        return Err(OfferError::file(format!(
            "has no Linux on-demand shared-tenancy price{} (rows with TermType OnDemand, Unit Hrs, Tenancy Shared, Operating System Linux, Pre Installed S/W NA, CapacityStatus Used)",
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        )));
    }
    Ok(offer)
}

fn header_name(columns: &Columns, col: usize) -> &str {
    columns
        .index
        .iter()
        .find(|(_, i)| **i == col)
        .map_or("?", |(name, _)| name.as_str())
}

/// `"8 GiB"`, `"1,952 GiB"`, `"0.5 GiB"` → GiB.
fn parse_memory(text: &str) -> Option<f64> {
    let number = text.trim().strip_suffix("GiB")?.trim().replace(',', "");
    number.parse::<f64>().ok().filter(|m| m.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREAMBLE: &str = "\"FormatVersion\",\"v1.0\"\n\"Disclaimer\",\"test\"\n\"Publication Date\",\"2025-09-12T22:53:08Z\"\n\"Version\",\"20250912225308\"\n\"OfferCode\",\"AmazonEC2\"\n";
    const HEADER: &str = "\"SKU\",\"TermType\",\"Unit\",\"PricePerUnit\",\"Currency\",\"Product Family\",\"Region Code\",\"Instance Type\",\"vCPU\",\"Memory\",\"Tenancy\",\"Operating System\",\"License Model\",\"CapacityStatus\",\"Pre Installed S/W\"\n";

    fn row(
        sku: &str,
        term: &str,
        ty: &str,
        price: &str,
        tenancy: &str,
        os: &str,
        region: &str,
    ) -> String {
        format!(
            "\"{sku}\",\"{term}\",\"Hrs\",\"{price}\",\"USD\",\"Compute Instance\",\"{region}\",\"{ty}\",\"2\",\"8 GiB\",\"{tenancy}\",\"{os}\",\"No License required\",\"Used\",\"NA\"\n"
        )
    }

    fn read(rows: &str, region: Option<&str>) -> Result<Offer, OfferError> {
        read_offer(format!("{PREAMBLE}{HEADER}{rows}").as_bytes(), region)
    }

    #[test]
    fn keeps_linux_on_demand_shared_rows_only() {
        let rows = [
            row(
                "A",
                "OnDemand",
                "m5.large",
                "0.0960000000",
                "Shared",
                "Linux",
                "us-east-1",
            ),
            row(
                "B",
                "OnDemand",
                "m5.large",
                "0.1880000000",
                "Shared",
                "Windows",
                "us-east-1",
            ),
            row(
                "C",
                "Reserved",
                "m5.large",
                "0.0600000000",
                "Shared",
                "Linux",
                "us-east-1",
            ),
            row(
                "D",
                "OnDemand",
                "m5.large",
                "0.1010000000",
                "Dedicated",
                "Linux",
                "us-east-1",
            ),
        ]
        .concat();
        let offer = read(&rows, None).unwrap();
        assert_eq!(offer.types.len(), 1);
        let t = &offer.types["m5.large"];
        assert_eq!(
            (t.vcpu, t.memory_gib, t.price_per_hour, t.line),
            (2, 8.0, 0.096, 7)
        );
    }

    #[test]
    fn several_regions_need_a_region() {
        let rows = [
            row(
                "A",
                "OnDemand",
                "m5.large",
                "0.096",
                "Shared",
                "Linux",
                "us-east-1",
            ),
            row(
                "B",
                "OnDemand",
                "m5.large",
                "0.107",
                "Shared",
                "Linux",
                "eu-west-1",
            ),
        ]
        .concat();
        let e = read(&rows, None).unwrap_err();
        assert_eq!(e.line, Some(8));
        assert!(e.message.contains("several Regions"), "{}", e.message);
        let offer = read(&rows, Some("eu-west-1")).unwrap();
        assert_eq!(offer.types["m5.large"].price_per_hour, 0.107);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = read_offer("\"SKU\",\"x\"\n".as_bytes(), None).unwrap_err();
        assert_eq!(e.line, Some(1));
        let header = HEADER.replace("\"vCPU\",", "");
        let e = read_offer(format!("{PREAMBLE}{header}").as_bytes(), None).unwrap_err();
        assert_eq!(e.line, Some(6));
        assert!(e.message.contains("no column \"vCPU\""), "{}", e.message);
        let rows = row(
            "A",
            "OnDemand",
            "m5.large",
            "cheap",
            "Shared",
            "Linux",
            "us-east-1",
        );
        let e = read(&rows, None).unwrap_err();
        assert_eq!(e.line, Some(7));
        assert!(
            e.message.starts_with("column \"PricePerUnit\" = \"cheap\""),
            "{}",
            e.message
        );
        assert_eq!(parse_memory("1,952 GiB"), Some(1952.0));
        assert_eq!(parse_memory("8 GB"), None);
    }
}
