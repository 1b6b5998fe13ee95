//! `[s3]` (`[tiers.<entry>.s3]`): the static objects the entry tier's pages make the
//! clients fetch from an S3 bucket, directly or through CloudFront. Every bound is
//! AWS's, cited, or says why it is there.

use super::*;

/// A bound against typos: a page that fetches a thousand objects is already extreme.
const MAX_PER_REQUEST: f64 = 1_000.0;
/// S3's largest object, 5 TB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html:
/// "you can upload a single object up to 5 TB"), in KB.
const MAX_OBJECT_KB: f64 = 5e9;
/// A bound against typos: 10 PB stored is beyond the S3 price bands aws-facts.md 21.1
/// gives (over 500 TB).
const MAX_STORED_GB: f64 = 1e7;

/// The bucket of the entry tier (`entry`); a called tier's pages reach no client.
pub(super) fn resolve_s3(ctx: &Ctx, raw: RawS3, entry: bool) -> Result<S3Config> {
    if !entry {
        return Err(ctx.err_table(
            "s3",
            "is the static objects the clients fetch beside the entry tier's pages; a called tier answers its caller, not clients",
        ));
    }
    let per_request = |key: &str, x: Option<f64>| match x {
        None => Ok(0.0),
        Some(x) => ctx.bounded(key, x, MAX_PER_REQUEST),
    };
    let gets_per_request = per_request("s3.gets_per_request", raw.gets_per_request)?;
    let puts_per_request = per_request("s3.puts_per_request", raw.puts_per_request)?;
    let object_kb = match raw.object_kb {
        None if gets_per_request > 0.0 => {
            return Err(ctx.err(
                "s3.gets_per_request",
                "needs s3.object_kb, the size of the objects fetched",
            ));
        }
        None => 0.0,
        Some(kb) => ctx.bounded("s3.object_kb", kb, MAX_OBJECT_KB)?,
    };
    let stored_gb = match raw.stored_gb {
        None => 0.0,
        Some(gb) => ctx.bounded("s3.stored_gb", gb, MAX_STORED_GB)?,
    };
    let cloudfront = match (raw.via.unwrap_or(default::S3_VIA), raw.cache_hit_ratio) {
        (RawVia::S3, Some(_)) => {
            return Err(ctx.err(
                "s3.cache_hit_ratio",
                "is CloudFront's: give it with via = \"cloudfront\"",
            ));
        }
        (RawVia::S3, None) => None,
        (RawVia::Cloudfront, ratio) => Some(CloudFrontConfig {
            cache_hit_ratio: match ratio {
                None => default::CLOUDFRONT_CACHE_HIT_RATIO,
                Some(h) => ctx.bounded("s3.cache_hit_ratio", h, 1.0)?,
            },
        }),
    };
    Ok(S3Config {
        gets_per_request,
        object_bytes: object_kb * 1000.0,
        stored_gb,
        puts_per_request,
        cloudfront,
    })
}
