//! Evaluating a request: the decision S3 makes, with first-match selection over the
//! origin and header indexes. Allocates nothing and never panics.

use super::{Compiled, CorsEngine};
use crate::decision::{Allowed, Decision, Pass, PassReason, Rejection, RejectionKind, Vary};
use crate::model::CorsMethod;
use crate::request::{CorsRequest, HeaderLines, ResourceType};
use crate::syntax::is_acceptable_origin;

impl CorsEngine {
    /// Decides what to answer, exactly as S3 does. Allocates nothing and never panics.
    ///
    /// For `OPTIONS`: no `Origin` → 400; no configuration → 403 (not enabled); no or an
    /// unsupported `Access-Control-Request-Method` → 400; no rule matches → 403; otherwise
    /// 200 with the rule's headers. For any other method: the rule's headers when one
    /// matches, otherwise nothing. The method a rule must allow is
    /// `Access-Control-Request-Method` when present, otherwise the request's method.
    pub fn evaluate<'a>(&'a self, request: &CorsRequest<'a>) -> Decision<'a> {
        let preflight = request.is_preflight();
        let Some(origin) = request.origin() else {
            if preflight {
                return Decision::Reject(Rejection {
                    kind: RejectionKind::MissingOrigin,
                    method: None,
                    resource: request.resource_type(),
                    vary: self.vary_other(),
                });
            }
            return self.pass(PassReason::NoOrigin);
        };
        let Some(compiled) = self.compiled() else {
            if preflight {
                return Decision::Reject(Rejection {
                    kind: RejectionKind::CorsNotEnabled,
                    method: request.request_method(),
                    resource: ResourceType::Bucket,
                    vary: None,
                });
            }
            return self.pass(PassReason::NoConfiguration);
        };
        let method_name = request.effective_method();
        let method = cors_method(method_name);
        if preflight && (request.request_method().is_none() || method.is_none()) {
            return Decision::Reject(Rejection {
                kind: RejectionKind::InvalidRequestMethod,
                method: request.request_method(),
                resource: request.resource_type(),
                vary: compiled.vary_other,
            });
        }
        let matched = method
            .and_then(|m| compiled.first_match(origin, m, request.request_headers()))
            .and_then(|rule| Some((rule, compiled.rules.get(rule)?)));
        match matched {
            Some((rule, compiled_rule)) => {
                let (methods, expose_headers) = compiled_rule.values();
                let allowed = Allowed {
                    rule,
                    origin: (!compiled_rule.any_origin).then_some(origin),
                    methods,
                    request_headers: request.request_headers(),
                    expose_headers,
                    max_age: compiled_rule.max_age,
                    vary: compiled.vary_match,
                };
                if preflight {
                    Decision::Preflight(allowed)
                } else {
                    Decision::Actual(allowed)
                }
            }
            None if preflight => Decision::Reject(Rejection {
                kind: RejectionKind::NotAllowed,
                method: Some(method_name),
                resource: request.resource_type(),
                vary: compiled.vary_other,
            }),
            None => self.pass(PassReason::NoMatch),
        }
    }

    /// The answer for a request to a bucket that does not exist, which only the host knows:
    /// `OPTIONS` without `Origin` → 400 as always; other `OPTIONS` → S3's
    /// `403 CORSResponse: Bucket not found`; anything else passes.
    pub fn evaluate_missing_bucket<'a>(request: &CorsRequest<'a>) -> Decision<'a> {
        if !request.is_preflight() {
            let reason = match request.origin() {
                Some(_) => PassReason::NoConfiguration,
                None => PassReason::NoOrigin,
            };
            return Decision::Pass(Pass { reason, vary: None });
        }
        let kind = match request.origin() {
            Some(_) => RejectionKind::BucketNotFound,
            None => RejectionKind::MissingOrigin,
        };
        Decision::Reject(Rejection {
            kind,
            method: request.request_method(),
            resource: ResourceType::Bucket,
            vary: None,
        })
    }

    fn vary_other(&self) -> Option<Vary> {
        self.compiled().and_then(|c| c.vary_other)
    }

    fn pass(&self, reason: PassReason) -> Decision<'static> {
        Decision::Pass(Pass {
            reason,
            vary: self.vary_other(),
        })
    }
}

impl Compiled {
    /// The first rule, in document order, that allows the origin, the method and every
    /// requested header.
    #[inline]
    fn first_match(
        &self,
        origin: &str,
        method: CorsMethod,
        headers: HeaderLines<'_>,
    ) -> Option<usize> {
        let allowing_method = self.methods[method as usize];
        let text = self.stored.text().as_bytes();
        let (exact, wild) = self.origins.matching(text, origin.as_bytes());
        let mut candidates = allowing_method & exact;
        // An exact entry passed validation, so an origin equal to one has no control
        // character; only matches through a `*` need the check.
        if allowing_method & wild != 0 && is_acceptable_origin(origin) {
            candidates |= allowing_method & wild;
        }
        if candidates == 0 {
            return None;
        }
        if headers.is_absent() {
            return Some(candidates.trailing_zeros() as usize);
        }
        let allowed = self.headers.allowing_list(text, candidates, headers)?;
        Some(allowed.trailing_zeros() as usize)
    }
}

/// [`CorsMethod::from_name`], with fixed-size compares the compiler turns into one or two
/// integer compares instead of `memcmp` calls.
#[inline]
fn cors_method(name: &str) -> Option<CorsMethod> {
    let bytes = name.as_bytes();
    if let Ok(three) = <[u8; 3]>::try_from(bytes) {
        return match &three {
            b"GET" => Some(CorsMethod::Get),
            b"PUT" => Some(CorsMethod::Put),
            _ => None,
        };
    }
    if let Ok(four) = <[u8; 4]>::try_from(bytes) {
        return match &four {
            b"HEAD" => Some(CorsMethod::Head),
            b"POST" => Some(CorsMethod::Post),
            _ => None,
        };
    }
    match <[u8; 6]>::try_from(bytes) {
        Ok(six) if &six == b"DELETE" => Some(CorsMethod::Delete),
        _ => None,
    }
}
