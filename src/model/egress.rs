//! What leaves AWS for the clients: the entry tier's responses, and the static objects
//! its pages make the clients fetch from S3, directly or through CloudFront. It belongs
//! to the run rather than to a tier because AWS prices a month's internet egress once,
//! "aggregated across services" (aws-facts.md 8): the free 100 GB and the bands apply
//! to the sum of the responses and of S3's objects. The loop counts the entry tier's
//! completed responses from its timeline rows (so every month gets its own intervals'
//! GB) and adds the bill to the entry tier's, whose pages they are.
//!
//! Only completed responses are counted, at `service.response_bytes` each: a 5xx or
//! a 429 carries an error page of a few hundred bytes, which is left out rather than
//! given a size of its own, and fetches no objects. Each response, and each page's
//! GETs and PUTs, is its mean: the bill is linear in them, so drawing them would add
//! noise to the bill and nothing to its expectation, and no latency depends on them.
//! Requests coming in are free (aws-facts.md 8) and not metered.
//!
//! The objects are fetched by the client's browser after the page has arrived, from
//! the bucket or the edge, not by the instance: they are not on the request path and
//! add nothing to its latency, nor any load to the tier. The application's PUTs are
//! billed; their latency is not modelled (an S3 call is not a tier).

use super::billing::cloudfront::CloudFrontBill;
use super::billing::data_transfer::{BYTES_PER_GB, INTERNET_OUT, INTERNET_OUT_LINES, MonthlyUsage};
use super::billing::s3::S3Bill;
use super::config::{Config, S3Config};
use super::outcome::{
    CloudFrontSummary, CostItem, CostSummary, DataTransferSummary, S3Summary, round_to,
};
use crate::engine::SimTime;

/// The run's traffic out to the clients, and its bill.
pub(super) struct Egress {
    /// GB of one completed response of the entry tier.
    response_gb: f64,
    /// The entry tier's bucket.
    s3: Option<S3Config>,
    /// GB sent to the internet from EC2 (the responses) and S3, per month.
    internet: MonthlyUsage,
    responses_gb: f64,
    s3_out_gb: f64,
    s3_bill: S3Bill,
    cloudfront: CloudFrontBill,
    /// The entry tier, which the bill's lines name.
    tier: String,
}

impl Egress {
    pub(super) fn new(config: &Config) -> Self {
        let entry = config.entry();
        Egress {
            response_gb: entry.service.response_bytes as f64 / BYTES_PER_GB,
            s3: entry.s3.clone(),
            internet: MonthlyUsage::default(),
            responses_gb: 0.0,
            s3_out_gb: 0.0,
            s3_bill: S3Bill {
                stored_gb: entry.s3.as_ref().map_or(0.0, |b| b.stored_gb),
                ..S3Bill::default()
            },
            cloudfront: CloudFrontBill::default(),
            tier: entry.name.clone(),
        }
    }

    /// True when something is metered: otherwise the run's files say nothing of data
    /// transfer, as before it was modelled.
    pub(super) fn metered(&self) -> bool {
        self.response_gb > 0.0 || self.s3.is_some()
    }

    /// The entry tier completed `responses` over `[start, end)`: their bytes leave,
    /// and their pages fetch and write objects.
    pub(super) fn responded(&mut self, start: SimTime, end: SimTime, responses: u64) {
        let responses = responses as f64;
        let mut internet_gb = responses * self.response_gb;
        self.responses_gb += internet_gb;
        if let Some(s3) = &self.s3 {
            let gets = responses * s3.gets_per_request;
            let gb = gets * s3.object_bytes / BYTES_PER_GB;
            self.s3_bill.puts += responses * s3.puts_per_request;
            match &s3.cloudfront {
                // The bucket sends the objects itself.
                None => {
                    self.s3_bill.gets += gets;
                    self.s3_out_gb += gb;
                    internet_gb += gb;
                }
                // The edge answers every request; a miss costs one GET at the bucket,
                // whose transfer to the edge is free (aws-facts.md 21.3).
                Some(cf) => {
                    self.cloudfront.gb.add(start, end, gb);
                    self.cloudfront.requests.add(start, end, gets);
                    self.s3_bill.gets += gets * (1.0 - cf.cache_hit_ratio);
                }
            }
        }
        self.internet.add(start, end, internet_gb);
    }

    /// The bill so far, at `now`.
    pub(super) fn cost(&self, now: SimTime) -> f64 {
        self.internet.cost(INTERNET_OUT)
            + self.s3_bill.cost(now.since(SimTime::ZERO))
            + self.cloudfront.cost()
    }

    /// The closed bill (`data_transfer`, `s3` and `cloudfront` of `cost_usd`), its
    /// lines and its summary, for a run that ended at `end`.
    pub(super) fn finish(&self, end: SimTime) -> (CostSummary, Vec<CostItem>, EgressFigures) {
        let elapsed = end.since(SimTime::ZERO);
        let mut lines = self
            .internet
            .lines(INTERNET_OUT, end, &INTERNET_OUT_LINES, &self.tier);
        lines.extend(self.s3_bill.lines(elapsed, &self.tier));
        lines.extend(self.cloudfront.lines(end, &self.tier));
        let part = |key: &str| -> f64 {
            let usd: f64 = lines
                .iter()
                .filter(|l| l.purchase_option == key)
                .map(|l| l.cost_usd)
                .sum();
            round_to(usd, 6)
        };
        let total = round_to(lines.iter().map(|l| l.cost_usd).sum(), 6);
        let cost = CostSummary {
            total,
            data_transfer: part("data_transfer"),
            s3: part("s3"),
            cloudfront: part("cloudfront"),
            all_on_demand: total,
            ..CostSummary::default()
        };
        let figures = EgressFigures {
            data_transfer: DataTransferSummary {
                internet_out_gb: round_to(self.internet.total(), 6),
                responses_gb: round_to(self.responses_gb, 6),
                s3_gb: round_to(self.s3_out_gb, 6),
            },
            s3: self.s3.as_ref().map(|_| S3Summary {
                gets: round_to(self.s3_bill.gets, 3),
                puts: round_to(self.s3_bill.puts, 3),
                stored_gb: round_to(self.s3_bill.stored_gb, 6),
            }),
            cloudfront: self
                .s3
                .as_ref()
                .and_then(|b| b.cloudfront.as_ref())
                .map(|cf| CloudFrontSummary {
                    requests: round_to(self.cloudfront.requests.total(), 3),
                    out_gb: round_to(self.cloudfront.gb.total(), 6),
                    cache_hit_ratio: cf.cache_hit_ratio,
                }),
        };
        (cost, lines, figures)
    }
}

/// The summary's figures of the run's egress.
pub(super) struct EgressFigures {
    pub data_transfer: DataTransferSummary,
    pub s3: Option<S3Summary>,
    pub cloudfront: Option<CloudFrontSummary>,
}
