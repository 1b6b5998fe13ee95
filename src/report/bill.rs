//! The bill as a statement that adds up: what was used at list price, what
//! reservations and the savings plan covered of it, the commitment fees, and the
//! total, with coverage and utilisation percentages. `report.html` and the terminal
//! both print it from [`BillStatement::lines`].
//!
//! It is gathered from the lines of `cost.csv` as they stream by ([`BillStatement::add`]),
//! not from `summary.json`'s parts, so that the figures shown are sums of the very
//! lines in the file and the statement's total is `cost.csv`'s total. (Before issue
//! 17 the page showed `summary.json`'s parts beside per-option line counts of
//! `cost.csv`: "reserved $12.75" on the page while the file's reserved lines summed to
//! −$7.98, because the file puts the coverage credits under the commitment that gave
//! them and the summary under on-demand.) The statement keeps one running sum per
//! part and kind of line, never the lines: a month-long bill costs no memory.
//!
//! The one figure `cost.csv` cannot give is the savings plan's utilisation (the plan
//! dollars that covered usage are not a line's price); it comes from the same ledger
//! through `summary.json`'s `commitments`.

use crate::model::{BillPart, CommitmentSummary, CostItem};

/// The three kinds of line in `cost.csv`, told apart by the item's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    /// Something used, at its price: an instance, load-balancer hours, Lambda requests.
    Usage,
    /// A negative line: the on-demand value a reservation or savings plan absorbed
    /// (`reserved_coverage`, `savings_plan_coverage`).
    Coverage,
    /// A commitment paid whether used or not (`reserved_fee`, `savings_plan_fee`).
    Fee,
}

impl LineKind {
    fn of(item: &str) -> LineKind {
        if item.ends_with("_coverage") {
            LineKind::Coverage
        } else if item.ends_with("_fee") {
            LineKind::Fee
        } else {
            LineKind::Usage
        }
    }
}

/// A running sum of lines.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sum {
    lines: u64,
    usd: f64,
    /// Instance-hours: the quantity of lines billed by the second or the instance-hour.
    hours: f64,
}

impl Sum {
    fn add(&mut self, item: &CostItem) {
        self.lines += 1;
        self.usd += item.cost_usd;
        self.hours += match item.unit.as_str() {
            "second" => item.quantity / 3600.0,
            "instance_hour" => item.quantity,
            _ => 0.0,
        };
    }
}

/// Sums of `cost.csv` by part of the bill and kind of line.
#[derive(Clone, Debug, Default)]
pub struct BillStatement {
    /// Indexed like [`BillPart::ALL`]: usage, coverage and fee sums.
    sums: [[Sum; 3]; BillPart::ALL.len()],
    /// Lines whose `purchase_option` is no part of the bill: none today; kept so
    /// that such a line would still reach the total rather than vanish.
    other: Sum,
    lines: u64,
}

/// What a line of the statement is, for its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineRole {
    /// A heading before a group of lines (no amount).
    Heading,
    /// An amount that adds into the total.
    Item,
    /// A figure derived from the lines above it, not added again.
    Subtotal,
    /// The total of every item.
    Total,
}

/// One line of the statement.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementLine {
    pub role: LineRole,
    pub label: String,
    /// Instance-hours, where the line has them (negative for coverage).
    pub hours: Option<f64>,
    pub usd: f64,
    /// Coverage or utilisation, in words (`52.6 % of on-demand instance-hours`).
    pub note: String,
}

impl BillStatement {
    /// Adds a line of `cost.csv`.
    pub fn add(&mut self, item: &CostItem) {
        self.lines += 1;
        let kind = LineKind::of(&item.item) as usize;
        match BillPart::ALL
            .iter()
            .position(|p| p.key() == item.purchase_option)
        {
            Some(part) => self.sums[part][kind].add(item),
            None => self.other.add(item),
        }
    }

    /// The number of lines of `cost.csv`.
    pub fn line_count(&self) -> u64 {
        self.lines
    }

    fn sum(&self, part: BillPart, kind: LineKind) -> Sum {
        let index = BillPart::ALL.iter().position(|&p| p == part);
        index.map_or(Sum::default(), |i| self.sums[i][kind as usize])
    }

    /// Whether reservations or a savings plan took part: then the statement has more
    /// to say than the parts of the total.
    pub fn has_commitments(&self) -> bool {
        [BillPart::Reserved, BillPart::SavingsPlan]
            .iter()
            .any(|&p| self.sum(p, LineKind::Fee).lines > 0)
    }

    /// The total of every line, as `cost.csv` adds up.
    pub fn total(&self) -> f64 {
        let parts: f64 = self.sums.iter().flatten().map(|s| s.usd).sum();
        parts + self.other.usd
    }

    /// The statement, top to bottom: usage at list price by part, the coverage of
    /// reservations and the savings plan with the on-demand usage left after it, the
    /// commitment fees with their utilisation, and the total. Empty groups are left
    /// out. The items add up to the total (the subtotal is a view of items above it).
    pub fn lines(&self, commitments: &CommitmentSummary) -> Vec<StatementLine> {
        let mut out = Vec::new();
        let line = |role, label: &str, sum: Sum, hours: bool, note: String| StatementLine {
            role,
            label: label.to_string(),
            hours: hours.then_some(sum.hours),
            usd: sum.usd,
            note,
        };
        let heading = |label: &str| StatementLine {
            role: LineRole::Heading,
            label: label.to_string(),
            hours: None,
            usd: 0.0,
            note: String::new(),
        };
        out.push(heading("usage at list price"));
        for part in BillPart::ALL {
            let usage = self.sum(part, LineKind::Usage);
            if usage.lines > 0 {
                let hours = usage.hours > 0.0;
                out.push(line(
                    LineRole::Item,
                    usage_label(part),
                    usage,
                    hours,
                    String::new(),
                ));
            }
        }
        if self.other.lines > 0 {
            out.push(line(
                LineRole::Item,
                "other",
                self.other,
                false,
                String::new(),
            ));
        }
        let on_demand = self.sum(BillPart::OnDemand, LineKind::Usage);
        let covered: Vec<(BillPart, Sum)> = [BillPart::Reserved, BillPart::SavingsPlan]
            .into_iter()
            .map(|p| (p, self.sum(p, LineKind::Coverage)))
            .filter(|(_, s)| s.lines > 0)
            .collect();
        if !covered.is_empty() {
            out.push(heading("covered by commitments (credits)"));
            let mut left = on_demand;
            for (part, sum) in covered {
                // Coverage lines count covered seconds as a positive quantity at a
                // negative price; the statement shows the hours taken off, negative.
                let sum = Sum {
                    hours: -sum.hours,
                    ..sum
                };
                left.usd += sum.usd;
                left.hours += sum.hours;
                let note = format!(
                    "{} of on-demand instance-hours",
                    percent(-sum.hours, on_demand.hours)
                );
                out.push(line(LineRole::Item, coverage_label(part), sum, true, note));
            }
            out.push(line(
                LineRole::Subtotal,
                "on-demand usage left to pay",
                left,
                true,
                String::new(),
            ));
        }
        let fees: Vec<(BillPart, Sum)> = [BillPart::Reserved, BillPart::SavingsPlan]
            .into_iter()
            .map(|p| (p, self.sum(p, LineKind::Fee)))
            .filter(|(_, s)| s.lines > 0)
            .collect();
        if !fees.is_empty() {
            out.push(heading("commitment fees (paid every hour, used or not)"));
            for (part, sum) in fees {
                let (label, note, hours) = match part {
                    BillPart::Reserved => {
                        // Utilisation: reserved instance-hours that matched usage, over
                        // those paid for; both are quantities of cost.csv.
                        let used = self.sum(part, LineKind::Coverage).hours;
                        (
                            "reserved instances",
                            format!("{} used", percent(used, sum.hours)),
                            true,
                        )
                    }
                    _ => (
                        "savings plan commitment",
                        format!(
                            "{} used",
                            percent(commitments.savings_plan_utilization, 1.0)
                        ),
                        false,
                    ),
                };
                out.push(line(LineRole::Item, label, sum, hours, note));
            }
        }
        out.push(StatementLine {
            role: LineRole::Total,
            label: "total, as cost.csv adds up".to_string(),
            hours: None,
            usd: self.total(),
            note: String::new(),
        });
        out
    }
}

/// The usage line of a part.
fn usage_label(part: BillPart) -> &'static str {
    match part {
        BillPart::OnDemand => "on-demand instances",
        BillPart::Spot => "spot instances",
        BillPart::Reserved => "reserved instances",
        BillPart::SavingsPlan => "savings plan",
        BillPart::WarmPool => "warm pool",
        BillPart::LoadBalancer => "load balancer",
        BillPart::Lambda => "Lambda",
        BillPart::ApiGateway => "API Gateway",
        BillPart::Fargate => "Fargate tasks",
        BillPart::FargateSpot => "Fargate Spot tasks",
        BillPart::Ecr => "ECR image storage",
        BillPart::Rds => "RDS databases",
        BillPart::Sqs => "SQS requests",
        BillPart::DataTransfer => "data transfer (out to the internet, between zones)",
        BillPart::S3 => "S3 requests and storage",
        BillPart::CloudFront => "CloudFront",
        BillPart::Dedicated => "dedicated (Region fee, Dedicated Hosts)",
        BillPart::CapacityReservation => "capacity reservations left unused",
        BillPart::Route53 => "Route 53 hosted zone and queries",
        BillPart::CpuCredits => "surplus CPU credits",
        BillPart::Emr => "EMR charge on the cluster's nodes",
    }
}

fn coverage_label(part: BillPart) -> &'static str {
    match part {
        BillPart::Reserved => "covered by reserved instances",
        _ => "covered by the savings plan",
    }
}

/// Instance-hours for a table: two decimals, and no "-0.00" for a sum that rounding
/// left a hair below zero.
pub fn hours(h: f64) -> String {
    let h = if h.abs() < 0.005 { 0.0 } else { h };
    format!("{h:.2}")
}

/// `part / whole` as a percentage with one decimal, or "–" when there is no whole.
fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.1} %", 100.0 * part / whole)
    } else {
        "–".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(item: &str, option: &str, quantity: f64, unit: &str, cost: f64) -> CostItem {
        CostItem {
            item: item.into(),
            purchase_option: option.into(),
            instance_type: "m5.large".into(),
            instance_id: None,
            start_s: 0.0,
            end_s: 3600.0,
            quantity,
            unit: unit.into(),
            unit_price_usd: cost / quantity,
            cost_usd: cost,
            tier: "web".into(),
        }
    }

    /// One hour by hand: two m5.large on-demand for the hour (2 × $0.096 = $0.192),
    /// one reservation covering one of them (fee $0.06, credit −$0.096), a load
    /// balancer hour ($0.0225). Total $0.192 − $0.096 + $0.06 + $0.0225 = $0.1785;
    /// coverage 1 of 2 instance-hours = 50 %; the reservation is used 1 of 1 = 100 %.
    #[test]
    fn a_reserved_hour_adds_up_by_hand() {
        let mut bill = BillStatement::default();
        for i in [
            item("instance", "on_demand", 3600.0, "second", 0.096),
            item("instance", "on_demand", 3600.0, "second", 0.096),
            item("reserved_fee", "reserved", 1.0, "instance_hour", 0.06),
            item("reserved_coverage", "reserved", 3600.0, "second", -0.096),
            item("load_balancer_hours", "load_balancer", 1.0, "hour", 0.0225),
        ] {
            bill.add(&i);
        }
        assert!(bill.has_commitments());
        let lines = bill.lines(&CommitmentSummary::default());
        let items: f64 = lines
            .iter()
            .filter(|l| l.role == LineRole::Item)
            .map(|l| l.usd)
            .sum();
        assert!((items - 0.1785).abs() < 1e-12, "{items}");
        let total = lines.last().unwrap();
        assert_eq!(total.role, LineRole::Total);
        assert!((total.usd - 0.1785).abs() < 1e-12);
        let find = |label: &str| lines.iter().find(|l| l.label == label).unwrap();
        let covered = find("covered by reserved instances");
        assert_eq!(covered.hours, Some(-1.0));
        assert_eq!(covered.note, "50.0 % of on-demand instance-hours");
        let left = find("on-demand usage left to pay");
        assert_eq!(left.hours, Some(1.0));
        assert!((left.usd - 0.096).abs() < 1e-12);
        assert_eq!(find("reserved instances").note, "100.0 % used");
        assert_eq!(find("on-demand instances").hours, Some(2.0));
    }

    #[test]
    fn without_commitments_there_are_usage_lines_and_the_total() {
        let mut bill = BillStatement::default();
        bill.add(&item("instance", "spot", 7200.0, "second", 0.07));
        let lines = bill.lines(&CommitmentSummary::default());
        let roles: Vec<LineRole> = lines.iter().map(|l| l.role).collect();
        assert_eq!(
            roles,
            [LineRole::Heading, LineRole::Item, LineRole::Total],
            "{lines:?}"
        );
        assert!(!bill.has_commitments());
        assert_eq!(bill.line_count(), 1);
    }
}
