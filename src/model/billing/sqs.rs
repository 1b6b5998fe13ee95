//! Amazon SQS's bill (aws-facts.md 12.1): standard queues cost $0.40 per million
//! requests, every API action counting (sends, receives, deletes, visibility changes,
//! empty receives), each 64 KB chunk of a request's payload billed as one request;
//! the first million requests a month are free, always (prorated over the run, as
//! Lambda's free tier is, `billing::MONTH`). The cheaper tiers past 100 billion
//! requests a month are not modelled.

use super::MONTH;
use crate::engine::SimDuration;
use crate::model::config::WorkerConfig;
use crate::model::outcome::{CostItem, round_to};

/// The payload billed as one request (aws-facts.md 12.1).
const CHUNK_KB: f64 = 64.0;

/// A queue's prices.
#[derive(Clone, Debug)]
pub(in crate::model) struct SqsPrices {
    per_request: f64,
    free_per_month: f64,
    /// Billed requests per API call that carries a message.
    chunks: u64,
}

impl SqsPrices {
    pub(in crate::model) fn new(worker: &WorkerConfig) -> Self {
        SqsPrices {
            per_request: worker.price_per_million / 1e6,
            free_per_month: worker.free_requests_per_month,
            chunks: (worker.message_kb / CHUNK_KB).ceil().max(1.0) as u64,
        }
    }

    /// Billed requests for `with_message` API calls that carry a message (send,
    /// receive, delete, change visibility: each billed by the message's chunks) and
    /// `empty` empty receives.
    pub(in crate::model) fn requests(&self, with_message: u64, empty: u64) -> u64 {
        with_message * self.chunks + empty
    }

    /// The free requests of `elapsed`.
    fn free(&self, elapsed: SimDuration) -> f64 {
        self.free_per_month * elapsed.as_secs_f64() / MONTH.as_secs_f64()
    }

    /// The bill for `requests` billed requests over `elapsed`.
    pub(in crate::model) fn cost(&self, elapsed: SimDuration, requests: u64) -> f64 {
        (requests as f64 - self.free(elapsed)).max(0.0) * self.per_request
    }

    /// The bill's line for `requests` billed requests over `elapsed`: the requests
    /// past the free tier.
    pub(in crate::model) fn line(
        &self,
        tier: &str,
        elapsed: SimDuration,
        requests: u64,
    ) -> CostItem {
        let quantity = (requests as f64 - self.free(elapsed)).max(0.0);
        CostItem {
            item: "sqs_requests".into(),
            purchase_option: "sqs".into(),
            instance_type: String::new(),
            instance_id: None,
            start_s: 0.0,
            end_s: elapsed.as_secs_f64(),
            quantity: round_to(quantity, 3),
            unit: "request".into(),
            unit_price_usd: self.per_request,
            cost_usd: round_to(self.cost(elapsed, requests), 6),
            tier: tier.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices(message_kb: f64) -> SqsPrices {
        SqsPrices {
            per_request: 0.40 / 1e6,
            free_per_month: 1e6,
            chunks: (message_kb / CHUNK_KB).ceil().max(1.0) as u64,
        }
    }

    /// A 200 KB message is 4 chunks (64 KB each); empty receives carry none.
    #[test]
    fn chunks_of_64_kb() {
        assert_eq!(prices(1.0).requests(10, 3), 13);
        assert_eq!(prices(64.0).requests(10, 3), 13);
        assert_eq!(prices(200.0).requests(10, 3), 43);
    }

    /// A whole month of 3 million requests: 2 million past the free million, $0.80.
    #[test]
    fn free_tier_prorated() {
        let cost = prices(1.0).cost(MONTH, 3_000_000);
        assert!((cost - 0.80).abs() < 1e-9, "{cost}");
        assert_eq!(prices(1.0).cost(MONTH, 999_999), 0.0);
    }
}
