//! `simcloud catalog`: the instance types a scenario can name, with vCPU, memory, the
//! on-demand price, the price per vCPU-hour and the relative speed; from the built-in
//! catalog, or from an AWS Price List offer file (`--offer-file`). Filters narrow the
//! list; a filter that cannot match anything by construction (an unknown family, a
//! negative memory) is bad input, exit 2, while a valid filter that happens to match
//! nothing prints an empty list.

use super::Failure;
use super::print::print_table;
use clap::{Args, ValueEnum};
use simcloud::scenario::{CatalogEntry, catalog_entries};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct CatalogArgs {
    /// Only these families, like m5 or c5: repeatable, or a comma-separated list.
    #[arg(long, value_delimiter = ',', value_name = "FAMILY")]
    family: Vec<String>,
    /// Only types with at least N vCPUs.
    #[arg(long, value_name = "N")]
    min_vcpu: Option<u32>,
    /// Only types with at least this much memory, in GiB.
    #[arg(long, value_name = "GiB", allow_negative_numbers = true)]
    min_memory: Option<f64>,
    /// Only types whose on-demand price is at most this, in USD per hour.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    max_price: Option<f64>,
    /// A terminal table, or CSV (one row per type, full-precision numbers).
    #[arg(long, value_enum, default_value_t = CatalogFormat::Table)]
    format: CatalogFormat,
    /// List the types an AWS Price List offer file prices (the EC2 CSV of a Region:
    /// Linux, on-demand, shared tenancy) instead of the built-in catalog.
    #[arg(long, value_name = "FILE")]
    offer_file: Option<PathBuf>,
    /// With --offer-file: the Region to read from a file that holds several
    /// (us-east-1, or its display name).
    #[arg(long, value_name = "REGION", requires = "offer_file")]
    region: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CatalogFormat {
    Table,
    Csv,
}

fn bad(message: String) -> Failure {
    Failure::BadInput(anyhow::anyhow!(message))
}

pub(super) fn catalog(out: &mut dyn Write, args: &CatalogArgs) -> Result<(), Failure> {
    let entries = catalog_entries(args.offer_file.as_deref(), args.region.as_deref())?;
    let families: BTreeSet<&str> = entries.iter().map(|e| e.family.as_str()).collect();
    let mut wanted = BTreeSet::new();
    for family in &args.family {
        let family = family.trim().to_ascii_lowercase();
        if family.is_empty() {
            return Err(bad(
                "--family: empty family name; give names like m5 or m5,c5".into(),
            ));
        }
        if !families.contains(family.as_str()) {
            let list: Vec<&str> = families.iter().copied().collect();
            return Err(bad(format!(
                "--family {family}: no such family in the {}; it has {}",
                source_words(args),
                list.join(", ")
            )));
        }
        wanted.insert(family);
    }
    if let Some(m) = args.min_memory
        && (!m.is_finite() || m < 0.0)
    {
        return Err(bad(format!(
            "--min-memory {m}: must be a number of GiB >= 0"
        )));
    }
    if let Some(p) = args.max_price
        && (!p.is_finite() || p <= 0.0)
    {
        return Err(bad(format!(
            "--max-price {p}: must be a price in USD per hour above 0"
        )));
    }
    let mut rows: Vec<&CatalogEntry> = entries
        .iter()
        .filter(|e| wanted.is_empty() || wanted.contains(&e.family))
        .filter(|e| args.min_vcpu.is_none_or(|n| e.vcpu >= n))
        .filter(|e| args.min_memory.is_none_or(|m| e.memory_gib >= m))
        .filter(|e| args.max_price.is_none_or(|p| e.price_per_hour <= p))
        .collect();
    // By family, then size within it: a catalog is read family by family.
    rows.sort_by(|a, b| {
        (a.family.as_str(), a.vcpu)
            .cmp(&(b.family.as_str(), b.vcpu))
            .then(a.memory_gib.total_cmp(&b.memory_gib))
            .then(a.name.cmp(&b.name))
    });
    match args.format {
        CatalogFormat::Csv => write_csv(out, &rows),
        CatalogFormat::Table => write_table(out, args, &rows, entries.len()),
    }
}

fn source_words(args: &CatalogArgs) -> String {
    match &args.offer_file {
        Some(path) => format!("offer file {}", path.display()),
        None => "built-in catalog".into(),
    }
}

/// `8`, `3.75`, `15.25`: memory as AWS writes it, without trailing zeros.
fn gib(memory: f64) -> String {
    format!("{memory}")
}

fn write_table(
    out: &mut dyn Write,
    args: &CatalogArgs,
    rows: &[&CatalogEntry],
    total: usize,
) -> Result<(), Failure> {
    if rows.is_empty() {
        writeln!(
            out,
            "No instance type of the {} ({total} types) matches these filters.",
            source_words(args)
        )?;
        return Ok(());
    }
    let mut table = vec![
        [
            "type",
            "family",
            "arch",
            "vCPU",
            "memory GiB",
            "$/h",
            "$/vCPU-h",
            "speed",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for e in rows {
        table.push(vec![
            e.name.clone(),
            e.family.clone(),
            e.arch.word().into(),
            e.vcpu.to_string(),
            gib(e.memory_gib),
            format!("{:.4}", e.price_per_hour),
            format!("{:.4}", e.price_per_vcpu_hour()),
            format!("{:.2}", e.speed),
        ]);
    }
    print_table(out, &table)?;
    let prices = match &args.offer_file {
        Some(path) => format!(
            "Linux on-demand shared-tenancy prices from {}",
            path.display()
        ),
        None => {
            "us-east-1 Linux on-demand prices (aws-facts.md 1.2, 20.6; T3a and T4g second-hand)"
                .into()
        }
    };
    writeln!(
        out,
        "{} of {total} types; {prices}; speed per vCPU relative to m5.large (`[instance] speed` overrides it).",
        rows.len()
    )?;
    Ok(())
}

fn write_csv(out: &mut dyn Write, rows: &[&CatalogEntry]) -> Result<(), Failure> {
    let mut w = csv::Writer::from_writer(out);
    let failed = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => Failure::Output(io),
        other => Failure::RunFailed(anyhow::anyhow!("cannot write the CSV: {other:?}")),
    };
    w.write_record([
        "type",
        "family",
        "arch",
        "vcpu",
        "memory_gib",
        "price_per_hour",
        "price_per_vcpu_hour",
        "speed",
        "source",
    ])
    .map_err(failed)?;
    for e in rows {
        w.write_record([
            e.name.clone(),
            e.family.clone(),
            e.arch.word().to_string(),
            e.vcpu.to_string(),
            gib(e.memory_gib),
            format!("{}", e.price_per_hour),
            format!("{:.6}", e.price_per_vcpu_hour()),
            format!("{}", e.speed),
            e.source.clone(),
        ])
        .map_err(failed)?;
    }
    w.flush().map_err(Failure::Output)?;
    Ok(())
}
