//! The static objects a tier's pages make clients fetch from Amazon S3, directly or
//! through CloudFront (aws-facts.md 21).

/// An S3 bucket beside the entry tier (`[s3]`, `[tiers.<entry>.s3]`): each completed
/// response makes the client's browser fetch `gets_per_request` objects of
/// `object_bytes` from it, directly or through a CloudFront distribution; the
/// application writes `puts_per_request` objects per response; the bucket holds
/// `stored_gb` (issue 13).
#[derive(Clone, Debug, PartialEq)]
pub struct S3Config {
    /// Mean GETs per completed response (a fraction: some pages fetch none).
    pub gets_per_request: f64,
    /// Bytes of one object fetched.
    pub object_bytes: f64,
    /// GB stored in the bucket throughout the run (S3 Standard).
    pub stored_gb: f64,
    /// Mean PUTs per completed response, made by the application.
    pub puts_per_request: f64,
    /// The objects reach the clients through CloudFront rather than from S3.
    pub cloudfront: Option<CloudFrontConfig>,
}

/// A CloudFront distribution in front of the bucket (aws-facts.md 21.3).
#[derive(Clone, Debug, PartialEq)]
pub struct CloudFrontConfig {
    /// The share of requests the edge answers from its cache; the rest it fetches
    /// from the bucket (a GET each, origin transfer free).
    pub cache_hit_ratio: f64,
}
