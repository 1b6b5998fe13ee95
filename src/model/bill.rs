//! The parts of the bill: the one list that every place showing the bill by part reads
//! (the terminal, `report.html`, the comparison's metrics and charts), so that no part
//! can be left out of one of them again (the warm pool once was).

use super::outcome::CostSummary;

/// A part of `cost_usd` in `summary.json`; the parts add up to `cost_usd.total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BillPart {
    OnDemand,
    Spot,
    Reserved,
    SavingsPlan,
    WarmPool,
    LoadBalancer,
    Lambda,
    ApiGateway,
    Rds,
}

impl BillPart {
    /// Every part, in the order of the bill.
    pub const ALL: [BillPart; 9] = [
        BillPart::OnDemand,
        BillPart::Spot,
        BillPart::Reserved,
        BillPart::SavingsPlan,
        BillPart::WarmPool,
        BillPart::LoadBalancer,
        BillPart::Lambda,
        BillPart::ApiGateway,
        BillPart::Rds,
    ];

    /// The field name in `summary.json`'s `cost_usd` and the `purchase_option` of
    /// `cost.csv`.
    pub fn key(self) -> &'static str {
        match self {
            BillPart::OnDemand => "on_demand",
            BillPart::Spot => "spot",
            BillPart::Reserved => "reserved",
            BillPart::SavingsPlan => "savings_plan",
            BillPart::WarmPool => "warm_pool",
            BillPart::LoadBalancer => "load_balancer",
            BillPart::Lambda => "lambda",
            BillPart::ApiGateway => "api_gateway",
            BillPart::Rds => "rds",
        }
    }

    /// For people: `on-demand`, `savings plan`, ...
    pub fn label(self) -> &'static str {
        match self {
            BillPart::OnDemand => "on-demand",
            BillPart::Spot => "spot",
            BillPart::Reserved => "reserved",
            BillPart::SavingsPlan => "savings plan",
            BillPart::WarmPool => "warm pool",
            BillPart::LoadBalancer => "load balancer",
            BillPart::Lambda => "Lambda",
            BillPart::ApiGateway => "API Gateway",
            BillPart::Rds => "RDS",
        }
    }

    /// Its metric in `compare.csv`, `compare.json` and `replicates.csv`.
    pub fn metric_key(self) -> &'static str {
        match self {
            BillPart::OnDemand => "cost_on_demand_usd",
            BillPart::Spot => "cost_spot_usd",
            BillPart::Reserved => "cost_reserved_usd",
            BillPart::SavingsPlan => "cost_savings_plan_usd",
            BillPart::WarmPool => "cost_warm_pool_usd",
            BillPart::LoadBalancer => "cost_load_balancer_usd",
            BillPart::Lambda => "cost_lambda_usd",
            BillPart::ApiGateway => "cost_api_gateway_usd",
            BillPart::Rds => "cost_rds_usd",
        }
    }

    /// What the part is, in a sentence's words.
    pub fn description(self) -> &'static str {
        match self {
            BillPart::OnDemand => "on-demand part of the bill",
            BillPart::Spot => "spot part of the bill",
            BillPart::Reserved => "reserved-instance part of the bill",
            BillPart::SavingsPlan => "savings-plan part of the bill",
            BillPart::WarmPool => "warm-pool part of the bill",
            BillPart::LoadBalancer => "load balancer part of the bill",
            BillPart::Lambda => "Lambda part of the bill",
            BillPart::ApiGateway => "API Gateway part of the bill",
            BillPart::Rds => "RDS part of the bill",
        }
    }

    /// The part by its [`BillPart::key`].
    pub fn from_key(key: &str) -> Option<BillPart> {
        BillPart::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The part's amount in `cost`.
    pub fn of(self, cost: &CostSummary) -> f64 {
        bill_parts(cost)
            .into_iter()
            .find(|(p, _)| *p == self)
            .map_or(0.0, |(_, amount)| amount)
    }
}

/// Every part of the bill with its amount, in bill order.
pub fn bill_parts(cost: &CostSummary) -> [(BillPart, f64); 9] {
    // Taken apart field by field, with no `..`: a field added to `CostSummary` does not
    // compile until it is placed here, either as a part or as one of the figures that
    // are not parts (the total itself, and views of the same money).
    let CostSummary {
        total: _,
        on_demand,
        spot,
        reserved,
        savings_plan,
        load_balancer,
        warm_pool,
        lambda,
        api_gateway,
        rds,
        reserved_unused: _,
        all_on_demand: _,
        saving: _,
    } = *cost;
    [
        (BillPart::OnDemand, on_demand),
        (BillPart::Spot, spot),
        (BillPart::Reserved, reserved),
        (BillPart::SavingsPlan, savings_plan),
        (BillPart::WarmPool, warm_pool),
        (BillPart::LoadBalancer, load_balancer),
        (BillPart::Lambda, lambda),
        (BillPart::ApiGateway, api_gateway),
        (BillPart::Rds, rds),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_parts_follow_the_fields() {
        for part in BillPart::ALL {
            assert_eq!(BillPart::from_key(part.key()), Some(part));
        }
        let cost = CostSummary {
            on_demand: 1.0,
            spot: 2.0,
            reserved: 4.0,
            savings_plan: 8.0,
            warm_pool: 16.0,
            load_balancer: 32.0,
            lambda: 64.0,
            api_gateway: 128.0,
            rds: 256.0,
            ..CostSummary::default()
        };
        let amounts: Vec<f64> = bill_parts(&cost).iter().map(|p| p.1).collect();
        assert_eq!(
            amounts,
            vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
        );
        assert_eq!(BillPart::WarmPool.of(&cost), 16.0);
    }
}
