//! Amazon EMR's own charge (aws-facts.md 19.1): "in addition to" the EC2 price, per
//! second with a one-minute minimum, per node, from its request to its termination.
//! It is the same whether the node's EC2 part is on-demand or spot (and it is not
//! refunded with a spot node that EC2 interrupts in its first hour: the refund is an
//! EC2 rule, 2.2), so an EMR node is two lines of `cost.csv`: its EC2 line, billed by
//! the tier's `CostLedger`, and its `emr` line here.

use super::{billed_seconds, cost_of_seconds};
use crate::engine::{SECS_PER_HOUR, SimTime};
use crate::model::outcome::CostItem;

/// The EMR charge of one tier's nodes.
pub(in crate::model) struct EmrBill {
    tier: String,
    items: Vec<CostItem>,
    /// What the nodes closed so far cost.
    closed_usd: f64,
}

/// A node as the bill needs it.
pub(in crate::model) struct EmrNode<'a> {
    pub id: u32,
    pub type_name: &'a str,
    /// EMR's price per node-hour.
    pub price_per_hour: f64,
    pub launched_at: SimTime,
}

impl EmrBill {
    pub(in crate::model) fn new(tier: &str) -> Self {
        EmrBill {
            tier: tier.to_string(),
            items: Vec::new(),
            closed_usd: 0.0,
        }
    }

    /// Bills a node that stops at `end`: its whole seconds, at least 60.
    pub(in crate::model) fn close_node(&mut self, node: &EmrNode<'_>, end: SimTime) {
        let seconds = billed_seconds(end.since(node.launched_at));
        let cost = cost_of_seconds(node.price_per_hour, seconds);
        self.closed_usd += cost;
        self.items.push(CostItem {
            item: "emr_node".into(),
            purchase_option: "emr".into(),
            instance_type: node.type_name.to_string(),
            instance_id: Some(node.id),
            start_s: node.launched_at.as_secs_f64(),
            end_s: end.as_secs_f64(),
            quantity: seconds as f64,
            unit: "second".into(),
            unit_price_usd: node.price_per_hour / SECS_PER_HOUR,
            cost_usd: cost,
            tier: self.tier.clone(),
        });
    }

    /// The charge so far: the closed nodes', and the running nodes' up to `now`
    /// (their minute owed from the request), so that it never decreases.
    pub(in crate::model) fn accrued<'n>(
        &self,
        running: impl Iterator<Item = EmrNode<'n>>,
        now: SimTime,
    ) -> f64 {
        self.closed_usd
            + running
                .map(|n| {
                    cost_of_seconds(n.price_per_hour, billed_seconds(now.since(n.launched_at)))
                })
                .sum::<f64>()
    }

    /// The closed charge (every node closed).
    pub(in crate::model) fn total(&self) -> f64 {
        self.closed_usd
    }

    /// The lines that became final since the last call.
    pub(in crate::model) fn drain_items(&mut self) -> Vec<CostItem> {
        std::mem::take(&mut self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// A node of $0.048/h (m5.xlarge, 19.1) for 30 s pays the one-minute minimum,
    /// $0.048 × 60 / 3,600 = $0.0008; for an hour and a half-second, 3,601 s.
    #[test]
    fn a_node_pays_at_least_a_minute() {
        let mut bill = EmrBill::new("etl");
        let node = |id| EmrNode {
            id,
            type_name: "m5.xlarge",
            price_per_hour: 0.048,
            launched_at: SimTime::ZERO,
        };
        bill.close_node(&node(0), SimTime::ZERO + SimDuration::from_secs(30));
        assert!((bill.total() - 0.0008).abs() < 1e-12);
        bill.close_node(&node(1), SimTime::ZERO + SimDuration::from_secs_f64(3600.5));
        let items = bill.drain_items();
        assert_eq!(items[1].quantity, 3601.0);
        assert!((bill.total() - 0.0008 - 0.048 * 3601.0 / 3600.0).abs() < 1e-12);
    }
}
