//! `lowest-price`: an EMR instance fleet's on-demand strategy (its only one, and
//! the default, "launch the instances with the lowest price first",
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-emr-instancefleetconfig-ondemandprovisioningspecification.html)
//! and one of its spot strategies (EC2 Fleet's "the lowest-price Spot Instance
//! pool", https://docs.aws.amazon.com/emr/latest/APIReference/API_SpotProvisioningSpecification.html):
//! the lowest price per unit of weighted capacity now, the earlier type on a tie.
//! Per unit rather than per instance: a fleet's target is in units, so a type of
//! twice the weight at under twice the price is the cheaper way to meet it.

use super::{AllocationPolicy, LaunchView};

pub(super) struct LowestPrice;

impl AllocationPolicy for LowestPrice {
    fn choose(&self, view: &LaunchView) -> Option<usize> {
        view.candidates()
            .into_iter()
            .min_by(|&(a, pa), &(b, pb)| {
                view.per_unit(a, pa)
                    .total_cmp(&view.per_unit(b, pb))
                    .then(a.cmp(&b))
            })
            .map(|(i, _)| i)
    }
}
