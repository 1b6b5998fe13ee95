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
    Fargate,
    FargateSpot,
    Ecr,
    Rds,
    Sqs,
    DataTransfer,
    S3,
    CloudFront,
    Dedicated,
    CapacityReservation,
    Route53,
    CpuCredits,
    Emr,
}

impl BillPart {
    /// Every part, in the order of the bill.
    pub const ALL: [BillPart; 21] = [
        BillPart::OnDemand,
        BillPart::Spot,
        BillPart::Reserved,
        BillPart::SavingsPlan,
        BillPart::WarmPool,
        BillPart::LoadBalancer,
        BillPart::Lambda,
        BillPart::ApiGateway,
        BillPart::Fargate,
        BillPart::FargateSpot,
        BillPart::Ecr,
        BillPart::Rds,
        BillPart::Sqs,
        BillPart::DataTransfer,
        BillPart::S3,
        BillPart::CloudFront,
        BillPart::Dedicated,
        BillPart::CapacityReservation,
        BillPart::Route53,
        BillPart::CpuCredits,
        BillPart::Emr,
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
            BillPart::Fargate => "fargate",
            BillPart::FargateSpot => "fargate_spot",
            BillPart::Ecr => "ecr",
            BillPart::Rds => "rds",
            BillPart::Sqs => "sqs",
            BillPart::DataTransfer => "data_transfer",
            BillPart::S3 => "s3",
            BillPart::CloudFront => "cloudfront",
            BillPart::Dedicated => "dedicated",
            BillPart::CapacityReservation => "capacity_reservation",
            BillPart::Route53 => "route53",
            BillPart::CpuCredits => "cpu_credits",
            BillPart::Emr => "emr",
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
            BillPart::Fargate => "Fargate",
            BillPart::FargateSpot => "Fargate Spot",
            BillPart::Ecr => "ECR",
            BillPart::Rds => "RDS",
            BillPart::Sqs => "SQS",
            BillPart::DataTransfer => "data transfer",
            BillPart::S3 => "S3",
            BillPart::CloudFront => "CloudFront",
            BillPart::Dedicated => "dedicated",
            BillPart::CapacityReservation => "capacity reservation",
            BillPart::Route53 => "Route 53",
            BillPart::CpuCredits => "CPU credits",
            BillPart::Emr => "EMR",
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
            BillPart::Fargate => "cost_fargate_usd",
            BillPart::FargateSpot => "cost_fargate_spot_usd",
            BillPart::Ecr => "cost_ecr_usd",
            BillPart::Rds => "cost_rds_usd",
            BillPart::Sqs => "cost_sqs_usd",
            BillPart::DataTransfer => "cost_data_transfer_usd",
            BillPart::S3 => "cost_s3_usd",
            BillPart::CloudFront => "cost_cloudfront_usd",
            BillPart::Dedicated => "cost_dedicated_usd",
            BillPart::CapacityReservation => "cost_capacity_reservation_usd",
            BillPart::Route53 => "cost_route53_usd",
            BillPart::CpuCredits => "cost_cpu_credits_usd",
            BillPart::Emr => "cost_emr_usd",
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
            BillPart::Fargate => "Fargate part of the bill",
            BillPart::FargateSpot => "Fargate Spot part of the bill",
            BillPart::Ecr => "ECR part of the bill",
            BillPart::Rds => "RDS part of the bill",
            BillPart::Sqs => "SQS part of the bill",
            BillPart::DataTransfer => "data-transfer part of the bill",
            BillPart::S3 => "S3 part of the bill",
            BillPart::CloudFront => "CloudFront part of the bill",
            BillPart::Dedicated => "Dedicated Instance fee and Dedicated Host part of the bill",
            BillPart::CapacityReservation => "unused-capacity-reservation part of the bill",
            BillPart::Route53 => "Route 53 part of the bill",
            BillPart::CpuCredits => "surplus CPU credits part of the bill",
            BillPart::Emr => "Amazon EMR part of the bill (its charge on top of EC2)",
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
pub fn bill_parts(cost: &CostSummary) -> [(BillPart, f64); BillPart::ALL.len()] {
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
        fargate,
        fargate_spot,
        ecr,
        rds,
        sqs,
        data_transfer,
        s3,
        cloudfront,
        dedicated,
        capacity_reservation,
        route53,
        cpu_credits,
        emr,
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
        (BillPart::Fargate, fargate),
        (BillPart::FargateSpot, fargate_spot),
        (BillPart::Ecr, ecr),
        (BillPart::Rds, rds),
        (BillPart::Sqs, sqs),
        (BillPart::DataTransfer, data_transfer),
        (BillPart::S3, s3),
        (BillPart::CloudFront, cloudfront),
        (BillPart::Dedicated, dedicated),
        (BillPart::CapacityReservation, capacity_reservation),
        (BillPart::Route53, route53),
        (BillPart::CpuCredits, cpu_credits),
        (BillPart::Emr, emr),
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
            fargate: 256.0,
            fargate_spot: 512.0,
            ecr: 1024.0,
            rds: 2048.0,
            sqs: 4096.0,
            data_transfer: 8192.0,
            s3: 16384.0,
            cloudfront: 32768.0,
            dedicated: 65536.0,
            capacity_reservation: 131072.0,
            route53: 262144.0,
            cpu_credits: 524288.0,
            emr: 1048576.0,
            ..CostSummary::default()
        };
        let amounts: Vec<f64> = bill_parts(&cost).iter().map(|p| p.1).collect();
        let doubling: Vec<f64> = (0..21).map(|i| f64::from(1 << i)).collect();
        assert_eq!(amounts, doubling);
        assert_eq!(BillPart::WarmPool.of(&cost), 16.0);
    }
}
