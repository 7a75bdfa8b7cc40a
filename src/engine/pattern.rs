//! Single-`*` wildcard patterns for origins and header names.
//!
//! S3's patterns hold at most one `*`, anchored at both ends: `https://*.example.com` is a
//! prefix `https://` and a suffix `.example.com`, and the `*` may match the empty string and
//! may span dots. Origins compare case-sensitively; header names ASCII case-insensitively.
//! The indexes use [`Pattern`] for the few entries they match one by one, and
//! [`parts_match`] to match a pattern they keep as text.

/// A compiled origin or header-name pattern: exact text, `*` alone, or one `*` inside.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    repr: PatternRepr,
    ignore_case: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PatternRepr {
    Exact(Box<str>),
    Any,
    Wildcard { prefix: Box<str>, suffix: Box<str> },
}

impl Pattern {
    /// A case-sensitive origin pattern; `None` when it holds more than one `*`.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn origin(pattern: &str) -> Option<Pattern> {
        Pattern::build(pattern, false)
    }

    /// An ASCII case-insensitive header-name pattern; `None` when it holds more than one `*`.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn header(pattern: &str) -> Option<Pattern> {
        Pattern::build(&pattern.to_ascii_lowercase(), true)
    }

    pub(crate) fn build(pattern: &str, ignore_case: bool) -> Option<Pattern> {
        let repr = match pattern.split_once('*') {
            None => PatternRepr::Exact(pattern.into()),
            Some((_, rest)) if rest.contains('*') => return None,
            Some(("", "")) => PatternRepr::Any,
            Some((prefix, suffix)) => PatternRepr::Wildcard {
                prefix: prefix.into(),
                suffix: suffix.into(),
            },
        };
        Some(Pattern { repr, ignore_case })
    }

    /// True when the pattern has a `*`.
    #[must_use]
    pub(crate) fn is_wildcard(&self) -> bool {
        !matches!(self.repr, PatternRepr::Exact(_))
    }

    /// The exact text, or the part before the `*`.
    pub(crate) fn prefix_or_exact(&self) -> &str {
        match &self.repr {
            PatternRepr::Exact(text) => text,
            PatternRepr::Any => "",
            PatternRepr::Wildcard { prefix, .. } => prefix,
        }
    }

    /// The part after the `*` (empty for an exact pattern).
    pub(crate) fn suffix(&self) -> &str {
        match &self.repr {
            PatternRepr::Wildcard { suffix, .. } => suffix,
            _ => "",
        }
    }

    /// Matches a whole candidate against the pattern.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn is_match(&self, candidate: &str) -> bool {
        self.is_match_bytes(candidate.as_bytes())
    }

    /// [`Pattern::is_match`] on bytes.
    pub(crate) fn is_match_bytes(&self, candidate: &[u8]) -> bool {
        match &self.repr {
            PatternRepr::Exact(text) => {
                parts_match(text.as_bytes(), None, candidate, self.ignore_case)
            }
            PatternRepr::Any => true,
            PatternRepr::Wildcard { prefix, suffix } => parts_match(
                prefix.as_bytes(),
                Some(suffix.as_bytes()),
                candidate,
                self.ignore_case,
            ),
        }
    }
}

/// Whether `candidate` is `head` exactly (no `suffix`), or `head`, anything, then `suffix`.
#[inline]
pub(crate) fn parts_match(
    head: &[u8],
    suffix: Option<&[u8]>,
    candidate: &[u8],
    ignore_case: bool,
) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match suffix {
        None => eq(head, candidate),
        Some(suffix) => {
            candidate.len() >= head.len() + suffix.len()
                && eq(head, &candidate[..head.len()])
                && eq(suffix, &candidate[candidate.len() - suffix.len()..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_header_patterns() {
        let origin = Pattern::origin("https://*.example.com").unwrap();
        assert!(origin.is_match("https://app.example.com"));
        assert!(origin.is_match("https://.example.com"));
        assert!(!origin.is_match("https://app.example.com/"));
        assert!(!origin.is_match("https://APP.EXAMPLE.COM"));

        let header = Pattern::header("x-amz-*").unwrap();
        assert!(header.is_match("X-Amz-Date"));
        assert!(Pattern::origin("*a*").is_none());
        assert!(Pattern::origin("*").unwrap().is_match("anything"));
        assert!(parts_match(b"ab", Some(b"ba"), b"abba", false));
        assert!(!parts_match(b"ab", Some(b"ba"), b"aba", false));
    }
}
