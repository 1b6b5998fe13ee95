//! What leaves AWS for the clients: the entry tier's responses, as data transfer out to
//! the internet. It belongs to the run rather than to a tier because AWS prices a
//! month's internet egress once, "aggregated across services" (aws-facts.md 8): the
//! free 100 GB and the bands apply to the sum of everything sent. The loop counts the
//! entry tier's responses from its timeline rows (so every month gets the GB of its
//! own intervals) and adds the bill to the entry tier's, whose responses they are.
//!
//! Only completed responses are counted, at `service.response_bytes` each: a 5xx or
//! a 429 carries an error page of a few hundred bytes, which is left out rather than
//! given a size of its own. Each response is its mean size: the bill is linear in
//! bytes, so a distribution of sizes would add noise to the bill and nothing to its
//! expectation, and nothing in the model's latency depends on a response's size.
//! Requests coming in are free (aws-facts.md 8) and not metered.

use super::billing::MONTH;
use super::billing::data_transfer::{BYTES_PER_GB, INTERNET_OUT, MonthlyUsage};
use super::config::Config;
use super::outcome::{CostItem, CostSummary, DataTransferSummary, round_to};
use crate::engine::SimTime;

/// The run's data transfer out to the internet.
pub(super) struct Egress {
    /// GB of one completed response of the entry tier.
    response_gb: f64,
    /// GB sent to the internet, per month of simulated time.
    internet: MonthlyUsage,
    /// The entry tier, which the bill's lines name.
    tier: String,
}

impl Egress {
    pub(super) fn new(config: &Config) -> Self {
        let entry = config.entry();
        Egress {
            response_gb: entry.service.response_bytes as f64 / BYTES_PER_GB,
            internet: MonthlyUsage::default(),
            tier: entry.name.clone(),
        }
    }

    /// True when something is metered: otherwise the run's files say nothing of data
    /// transfer, as before it was modelled.
    pub(super) fn metered(&self) -> bool {
        self.response_gb > 0.0
    }

    /// The entry tier completed `responses` over `[start, end)`.
    pub(super) fn responded(&mut self, start: SimTime, end: SimTime, responses: u64) {
        self.internet
            .add(start, end, responses as f64 * self.response_gb);
    }

    /// The bill so far.
    pub(super) fn cost(&self) -> f64 {
        self.internet.cost(INTERNET_OUT)
    }

    /// The closed bill (`data_transfer` of `cost_usd`), its lines and its summary, for
    /// a run that ended at `end`.
    pub(super) fn finish(&self, end: SimTime) -> (CostSummary, Vec<CostItem>, DataTransferSummary) {
        let cost = self.cost();
        let summary = CostSummary {
            total: round_to(cost, 6),
            data_transfer: round_to(cost, 6),
            all_on_demand: round_to(cost, 6),
            ..CostSummary::default()
        };
        let gb = self.internet.total();
        let figures = DataTransferSummary {
            internet_out_gb: round_to(gb, 6),
            responses_gb: round_to(gb, 6),
        };
        (summary, self.lines(end), figures)
    }

    /// One line per month and price band, as AWS's bill shows them ("$0.090 per GB -
    /// first 10 TB / month data transfer out beyond the global free tier", aws-facts.md
    /// 8): the free GB at $0, then each band reached. They add up to the part.
    fn lines(&self, end: SimTime) -> Vec<CostItem> {
        let mut lines = Vec::new();
        for (m, &gb) in self.internet.months().iter().enumerate() {
            let start_s = (m as u64 * MONTH.0).min(end.0);
            let end_s = ((m as u64 + 1) * MONTH.0).min(end.0);
            for band in INTERNET_OUT.bands(gb) {
                lines.push(CostItem {
                    item: if band.unit_price == 0.0 {
                        "data_transfer_out_free".into()
                    } else {
                        "data_transfer_out".into()
                    },
                    purchase_option: "data_transfer".into(),
                    instance_type: String::new(),
                    instance_id: None,
                    start_s: SimTime(start_s).as_secs_f64(),
                    end_s: SimTime(end_s).as_secs_f64(),
                    quantity: band.quantity,
                    unit: "gb".into(),
                    unit_price_usd: band.unit_price,
                    cost_usd: band.quantity * band.unit_price,
                    tier: self.tier.clone(),
                });
            }
        }
        lines
    }
}
