//! The engine's answer to a probe, and how a server's answer differs from it.

use bucket_cors::{CorsEngine, CorsRequest, Decision, ResourceType};
use serde::Serialize;

use super::plan::Probe;

/// The CORS headers compared, as S3 spells them (`Vary` is compared apart).
const CORS_HEADERS: [&str; 6] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
];
/// The headers whose values are comma-separated lists, compared as sets of items.
const LIST_HEADERS: [&str; 3] = [
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
];
/// The `Vary` items CORS decides; a server may add others (`Accept-Encoding`).
const CORS_VARY: [&str; 3] = [
    "Origin",
    "Access-Control-Request-Headers",
    "Access-Control-Request-Method",
];

/// What the server sent back, cut to what is compared.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Every header line, the name lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    /// The body's start (at most the size cap).
    pub(crate) body: Vec<u8>,
}

/// What the engine answers to a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expected {
    /// `Some` for a preflight (200 or the refusal's), `None` when the server's own operation
    /// decides it.
    pub(crate) status: Option<u16>,
    pub(crate) error_code: Option<&'static str>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

/// A request view for the engine. Requests are built here only, so a change of the
/// library's constructor is met in one place.
fn cors_request(probe: &Probe, resource: ResourceType) -> CorsRequest<'_> {
    let mut request = CorsRequest::builder(probe.method).resource_type(resource);
    if let Some(origin) = &probe.origin {
        request = request.origin(origin);
    }
    if let Some(method) = &probe.request_method {
        request = request.request_method(method);
    }
    if let Some(headers) = &probe.request_headers {
        request = request.request_headers(headers.as_str());
    }
    request.build()
}

/// The engine's answer. Linear in the probe's size.
pub(crate) fn expected(engine: &CorsEngine, probe: &Probe, resource: ResourceType) -> Expected {
    let request = cors_request(probe, resource);
    let decision = engine.evaluate(&request);
    let error_code = match &decision {
        Decision::Reject(rejection) => Some(rejection.code().as_str()),
        _ => None,
    };
    Expected {
        status: decision.status(),
        error_code,
        headers: decision
            .headers()
            .map(|(name, value)| (name, value.to_string()))
            .collect(),
    }
}

/// Why an answer differs: the groups of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Cause {
    /// The policy allows the preflight; the server refuses it.
    PreflightRefused,
    /// The policy refuses the preflight; the server allows it.
    PreflightAllowed,
    /// Both refuse, with different statuses.
    Status,
    /// Both refuse, with different error codes.
    ErrorCode,
    /// An error response of an allowed actual request carries none of the CORS headers.
    NoCorsOnError,
    /// `Access-Control-Allow-Origin` holds a list, which browsers refuse.
    AllowOriginList,
    /// A header the engine sends is absent.
    HeaderMissing,
    /// A header the engine does not send is present.
    HeaderUnexpected,
    /// A header's value differs only in letter case.
    HeaderCase,
    /// A header's value differs.
    HeaderValue,
}

impl Cause {
    /// What the cause means, for people.
    pub(crate) const fn describe(self) -> &'static str {
        match self {
            Cause::PreflightRefused => "the policy allows the preflight; the server refuses it",
            Cause::PreflightAllowed => "the policy refuses the preflight; the server allows it",
            Cause::Status => "the refusal's status differs",
            Cause::ErrorCode => "the refusal's error code differs",
            Cause::NoCorsOnError => "an error response carries no CORS header",
            Cause::AllowOriginList => "Access-Control-Allow-Origin is a list of origins",
            Cause::HeaderMissing => "a CORS header is missing",
            Cause::HeaderUnexpected => "a CORS header is sent that the policy does not send",
            Cause::HeaderCase => "a header value differs only in letter case",
            Cause::HeaderValue => "a header value differs",
        }
    }
}

/// One way an answer differs from the engine's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub(crate) cause: Cause,
    /// The header concerned, as S3 spells it.
    pub(crate) header: Option<&'static str>,
    pub(crate) expected: Option<String>,
    pub(crate) got: Option<String>,
}

/// The most bytes of a value kept in a difference: a server's hostile header value costs no
/// more than this for each request reported.
pub(crate) const VALUE_CAP: usize = 512;

fn difference(
    cause: Cause,
    header: Option<&'static str>,
    expected: Option<String>,
    got: Option<String>,
) -> Difference {
    Difference {
        cause,
        header,
        expected: expected.map(clip),
        got: got.map(clip),
    }
}

/// A value cut to [`VALUE_CAP`] bytes (at a character boundary), marked with `...` when cut.
fn clip(mut value: String) -> String {
    if value.len() > VALUE_CAP {
        let mut end = VALUE_CAP;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
        value.push_str("...");
    }
    value
}

/// Every difference between the server's answer and the engine's. Linear in the answer's
/// size (its headers and the body's start, both capped by the sender). A refusal that should
/// have been an answer (or the reverse) is one difference: its headers differ as a matter of
/// course.
pub(crate) fn compare(expected: &Expected, answer: &Answer) -> Vec<Difference> {
    let mut out = Vec::new();
    if let Some(status) = expected.status {
        let allowed = status == 200;
        let got_allowed = (200..300).contains(&answer.status);
        if allowed && !got_allowed {
            out.push(difference(
                Cause::PreflightRefused,
                None,
                Some(status.to_string()),
                Some(answer.status.to_string()),
            ));
            return out;
        }
        if !allowed && got_allowed {
            out.push(difference(
                Cause::PreflightAllowed,
                None,
                Some(status.to_string()),
                Some(answer.status.to_string()),
            ));
            return out;
        }
        if status != answer.status {
            out.push(difference(
                Cause::Status,
                None,
                Some(status.to_string()),
                Some(answer.status.to_string()),
            ));
        }
        if let Some(code) = expected.error_code {
            let got = error_code(&answer.body);
            if got != Some(code) {
                out.push(difference(
                    Cause::ErrorCode,
                    None,
                    Some(code.to_owned()),
                    got.map(str::to_owned),
                ));
            }
        }
    }
    let want = |name: &str| {
        expected
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let expected_vary = vary_items(want("Vary").as_deref().into_iter());
    let got_vary = vary_items(
        answer
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
            .map(|(_, v)| v.as_str()),
    );
    // An actual request's error response without any CORS header: one cause, not one per
    // header.
    let any_expected = CORS_HEADERS.iter().any(|name| want(name).is_some());
    let none_got = CORS_HEADERS.iter().all(|name| got(answer, name).is_none());
    if expected.status.is_none() && answer.status >= 400 && any_expected && none_got {
        out.push(difference(
            Cause::NoCorsOnError,
            None,
            Some(format!("{} CORS headers", expected.headers.len())),
            Some(format!("status {} without CORS headers", answer.status)),
        ));
        return out;
    }
    for name in CORS_HEADERS {
        if let Some(diff) = compare_header(name, want(name), got(answer, name)) {
            out.push(diff);
        }
    }
    if expected_vary != got_vary {
        let show = |items: &[String]| (!items.is_empty()).then(|| items.join(", "));
        let cause = match (expected_vary.is_empty(), got_vary.is_empty()) {
            (false, true) => Cause::HeaderMissing,
            (true, false) => Cause::HeaderUnexpected,
            _ => Cause::HeaderValue,
        };
        out.push(difference(
            cause,
            Some("Vary"),
            show(&expected_vary),
            show(&got_vary),
        ));
    }
    out
}

fn compare_header(
    name: &'static str,
    expected: Option<String>,
    got: Option<String>,
) -> Option<Difference> {
    let (want, have) = match (&expected, &got) {
        (None, None) => return None,
        (Some(_), None) => {
            return Some(difference(Cause::HeaderMissing, Some(name), expected, None));
        }
        (None, Some(_)) => {
            return Some(difference(Cause::HeaderUnexpected, Some(name), None, got));
        }
        (Some(want), Some(have)) => (want, have),
    };
    let cause = if LIST_HEADERS.contains(&name) {
        let (want_items, have_items) = (items(want), items(have));
        if want_items == have_items {
            return None;
        }
        let lower = |list: &[String]| {
            let mut list: Vec<String> = list.iter().map(|i| i.to_ascii_lowercase()).collect();
            list.sort();
            list
        };
        if lower(&want_items) == lower(&have_items) {
            Cause::HeaderCase
        } else {
            Cause::HeaderValue
        }
    } else if want == have {
        return None;
    } else if name == "Access-Control-Allow-Origin" && have.contains(',') && !want.contains(',') {
        Cause::AllowOriginList
    } else if want.eq_ignore_ascii_case(have) {
        Cause::HeaderCase
    } else {
        Cause::HeaderValue
    };
    Some(difference(cause, Some(name), expected, got))
}

/// A header's lines joined, as HTTP reads several lines of one list.
fn got(answer: &Answer, name: &str) -> Option<String> {
    let lines: Vec<&str> = answer
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect();
    (!lines.is_empty()).then(|| lines.join(", "))
}

/// A list's items, trimmed and sorted (the order of a list carries no meaning).
fn items(list: &str) -> Vec<String> {
    let mut items: Vec<String> = list
        .split(',')
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect();
    items.sort();
    items
}

/// The CORS items of `Vary` lines, in S3's spelling, sorted and without repeats.
fn vary_items<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = lines
        .flat_map(|line| line.split(','))
        .filter_map(|item| {
            CORS_VARY
                .iter()
                .find(|name| name.eq_ignore_ascii_case(item.trim()))
        })
        .map(|name| (*name).to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The `<Code>` of an S3 error body: the first one, within the bytes read.
pub(crate) fn error_code(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    Some(text[start..start + len].trim())
}

#[cfg(test)]
mod tests {
    use bucket_cors::{CorsConfiguration, CorsRule};

    use super::*;

    fn engine() -> CorsEngine {
        let config = CorsConfiguration::new(vec![
            CorsRule::new()
                .allowed_origin("https://app.example.com")
                .allowed_methods(["GET", "PUT"])
                .allowed_header("x-amz-*")
                .expose_header("ETag"),
        ]);
        CorsEngine::compile(&config).unwrap()
    }

    fn probe(method: &'static str, origin: &str, acrm: Option<&str>, acrh: Option<&str>) -> Probe {
        Probe {
            method,
            origin: Some(origin.to_owned()),
            request_method: acrm.map(str::to_owned),
            request_headers: acrh.map(str::to_owned),
            purpose: String::new(),
        }
    }

    /// The answer a faithful server gives.
    fn faithful(expected: &Expected) -> Answer {
        Answer {
            status: expected.status.unwrap_or(404),
            headers: expected
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: expected
                .error_code
                .map(|code| format!("<Error><Code>{code}</Code></Error>").into_bytes())
                .unwrap_or_default(),
        }
    }

    fn causes(diffs: &[Difference]) -> Vec<(Cause, Option<&'static str>)> {
        diffs.iter().map(|d| (d.cause, d.header)).collect()
    }

    #[test]
    fn a_faithful_answer_agrees() {
        let engine = engine();
        for p in [
            probe(
                "OPTIONS",
                "https://app.example.com",
                Some("PUT"),
                Some("X-Amz-Date"),
            ),
            probe("OPTIONS", "https://evil.example", Some("PUT"), None),
            probe("GET", "https://app.example.com", None, None),
            probe("GET", "https://evil.example", None, None),
        ] {
            let want = expected(&engine, &p, ResourceType::Object);
            assert_eq!(compare(&want, &faithful(&want)), [], "{p:?}");
        }
    }

    #[test]
    fn each_kind_of_difference_has_its_cause() {
        let engine = engine();
        let allowed = expected(
            &engine,
            &probe(
                "OPTIONS",
                "https://app.example.com",
                Some("PUT"),
                Some("X-Amz-Date"),
            ),
            ResourceType::Object,
        );
        let refused = expected(
            &engine,
            &probe("OPTIONS", "https://evil.example", Some("PUT"), None),
            ResourceType::Object,
        );
        let actual = expected(
            &engine,
            &probe("GET", "https://app.example.com", None, None),
            ResourceType::Object,
        );
        let edit = |want: &Expected, change: &dyn Fn(&mut Answer)| {
            let mut answer = faithful(want);
            change(&mut answer);
            causes(&compare(want, &answer))
        };
        let set = |answer: &mut Answer, name: &str, value: &str| {
            answer.headers.retain(|(n, _)| n != name);
            answer.headers.push((name.to_owned(), value.to_owned()));
        };
        assert_eq!(
            edit(&allowed, &|a| a.status = 403),
            [(Cause::PreflightRefused, None)]
        );
        assert_eq!(
            edit(&refused, &|a| a.status = 200),
            [(Cause::PreflightAllowed, None)]
        );
        assert_eq!(edit(&refused, &|a| a.status = 400), [(Cause::Status, None)]);
        assert_eq!(
            edit(&refused, &|a| a.body =
                b"<Error><Code>AccessDenied</Code>".to_vec()),
            [(Cause::ErrorCode, None)]
        );
        assert_eq!(
            edit(&allowed, &|a| set(
                a,
                "access-control-allow-origin",
                "https://app.example.com, https://b.example"
            )),
            [(Cause::AllowOriginList, Some("Access-Control-Allow-Origin"))]
        );
        assert_eq!(
            edit(&allowed, &|a| set(
                a,
                "access-control-allow-headers",
                "X-Amz-Date"
            )),
            [(Cause::HeaderCase, Some("Access-Control-Allow-Headers"))]
        );
        // A list's spacing and order carry no meaning.
        assert_eq!(
            edit(&allowed, &|a| set(
                a,
                "access-control-allow-methods",
                "PUT,GET"
            )),
            []
        );
        assert_eq!(
            edit(&allowed, &|a| a.headers.retain(|(n, _)| n != "vary")),
            [(Cause::HeaderMissing, Some("Vary"))]
        );
        // Other Vary items are the server's own business.
        assert_eq!(
            edit(&allowed, &|a| a
                .headers
                .push(("vary".into(), "Accept-Encoding".into()))),
            []
        );
        assert_eq!(
            edit(&allowed, &|a| set(a, "access-control-max-age", "600")),
            [(Cause::HeaderUnexpected, Some("Access-Control-Max-Age"))]
        );
        assert_eq!(
            edit(&actual, &|a| a
                .headers
                .retain(|(n, _)| !n.starts_with("access-control-"))),
            [(Cause::NoCorsOnError, None)]
        );
    }

    #[test]
    fn a_huge_header_value_is_kept_cut() {
        let engine = engine();
        let want = expected(
            &engine,
            &probe("OPTIONS", "https://app.example.com", Some("PUT"), None),
            ResourceType::Object,
        );
        let mut answer = faithful(&want);
        let huge = "é".repeat(100_000);
        for (name, value) in &mut answer.headers {
            if name == "access-control-allow-origin" {
                value.clone_from(&huge);
            }
        }
        let diffs = compare(&want, &answer);
        assert_eq!(diffs.len(), 1);
        let got = diffs[0].got.as_deref().unwrap();
        assert!(
            got.len() <= VALUE_CAP + 3 && got.ends_with("..."),
            "{}",
            got.len()
        );
    }

    #[test]
    fn error_codes_are_read_from_the_body_start() {
        assert_eq!(
            error_code(b"<?xml?><Error><Code>AccessForbidden</Code><Message>"),
            Some("AccessForbidden")
        );
        assert_eq!(error_code(b"<Error><Code>Access"), None);
        assert_eq!(error_code(b"\xff<Code>x</Code>"), None);
        assert_eq!(error_code(b""), None);
    }
}
