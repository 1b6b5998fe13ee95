//! The configuration of a `beanstalk` tier: an Elastic Beanstalk web server
//! environment, which `Ec2Tier` carries out as the ALB and Auto Scaling group that
//! Beanstalk creates (aws-facts.md 5, 11.1-11.3). Beanstalk's own defaults (the group's
//! size, the NetworkOut trigger, the health checks) are filled in by the scenario; what
//! stays here is what changes how the tier runs.
//!
//! Elastic Beanstalk itself costs nothing: the bill is the instances and, in a
//! load-balanced environment, the load balancer (aws-facts.md 5).

/// An Elastic Beanstalk environment (`kind = "beanstalk"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeanstalkConfig {
    pub environment_type: EnvironmentType,
}

/// `EnvironmentType` of `aws:elasticbeanstalk:environment` (aws-facts.md 11.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvironmentType {
    /// A load balancer in front of an Auto Scaling group (Beanstalk's default).
    LoadBalanced,
    /// One instance with an Elastic IP address and no load balancer: its group's
    /// min, max and desired are all 1, so load starts no instance; a failed instance
    /// is replaced by the group and clients fail until the new one is up
    /// (aws-facts.md 11.2).
    SingleInstance,
}
