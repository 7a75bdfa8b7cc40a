//! The configuration an engine keeps, packed: every string of it in one text block and its
//! shape (which string is which field of which rule) in one block of numbers, so keeping it
//! costs two allocations whatever the number of rules and entries, instead of one per
//! string and per list.
//!
//! [`StoredConfig::to_config`] rebuilds the [`CorsConfiguration`] on demand (for
//! [`CorsEngine::configuration`](super::CorsEngine::configuration), `explain` and `diff`),
//! in O(C) time and memory, C the size of the configuration.

use crate::error::ConfigError;
use crate::model::{CorsConfiguration, CorsRule};

/// A range of [`StoredConfig`]'s text: `start..start + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    start: u32,
    len: u32,
}

/// The marker of an absent optional value in the layout.
const NONE: u32 = u32::MAX;

/// A configuration packed into two blocks.
#[derive(Debug, Clone)]
pub(crate) struct StoredConfig {
    /// Every string, one after another.
    text: Box<str>,
    /// Per rule: the ID (start, length; `NONE` when absent), then four lists (origins,
    /// methods, headers, expose headers), each a count and that many (start, length)
    /// pairs, then the max age as a presence flag (0 or 1) and the value.
    layout: Box<[u32]>,
    /// The rule count.
    rules: u32,
    response_vary: Option<bool>,
}

/// Builds a [`StoredConfig`]: strings appended to one text, spans recorded in the layout.
pub(crate) struct Packer {
    text: String,
    layout: Vec<u32>,
}

impl Packer {
    /// A packer sized for `config`.
    pub(crate) fn new(config: &CorsConfiguration) -> Packer {
        let (mut bytes, mut words) = (0usize, 0usize);
        for rule in &config.rules {
            words += 2 + 4 + 2;
            bytes += rule.id.as_ref().map_or(0, String::len);
            for list in lists(rule) {
                words += 2 * list.len();
                bytes += list.iter().map(String::len).sum::<usize>();
            }
        }
        Packer {
            text: String::with_capacity(bytes),
            layout: Vec::with_capacity(words),
        }
    }

    /// Appends a string to the text and returns its span.
    fn push(&mut self, text: &str) -> Result<Span, ConfigError> {
        let start = self.text.len();
        self.text.push_str(text);
        span(start, self.text.len())
    }

    /// Records every field of every rule of `config`.
    pub(crate) fn store(&mut self, config: &CorsConfiguration) -> Result<(), ConfigError> {
        for rule in &config.rules {
            match &rule.id {
                Some(id) => {
                    let id = self.push(id)?;
                    self.layout.extend([id.start, id.len]);
                }
                None => self.layout.extend([NONE, NONE]),
            }
            for list in lists(rule) {
                self.layout.push(count(list.len())?);
                for item in list {
                    let item = self.push(item)?;
                    self.layout.extend([item.start, item.len]);
                }
            }
            match rule.max_age_seconds {
                Some(age) => self.layout.extend([1, age]),
                None => self.layout.extend([0, 0]),
            }
        }
        Ok(())
    }

    /// The packed configuration; `config` is the one [`Packer::store`] recorded.
    pub(crate) fn finish(self, config: &CorsConfiguration) -> Result<StoredConfig, ConfigError> {
        Ok(StoredConfig {
            text: self.text.into_boxed_str(),
            layout: self.layout.into_boxed_slice(),
            rules: count(config.rules.len())?,
            response_vary: config.response_vary,
        })
    }
}

/// A rule's four lists, in layout order.
fn lists(rule: &CorsRule) -> [&[String]; 4] {
    [
        &rule.allowed_origins,
        &rule.allowed_methods,
        &rule.allowed_headers,
        &rule.expose_headers,
    ]
}

fn count(n: usize) -> Result<u32, ConfigError> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n != NONE)
        .ok_or_else(|| ConfigError::too_large(n, NONE as usize - 1))
}

fn span(start: usize, end: usize) -> Result<Span, ConfigError> {
    count(end)?;
    Ok(Span {
        start: count(start)?,
        len: count(end - start)?,
    })
}

impl StoredConfig {
    /// The text of a span ("" for a span outside the text, which packing never makes).
    fn get(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or_default()
    }

    /// The configuration, rebuilt: equal to the one packed.
    pub(crate) fn to_config(&self) -> CorsConfiguration {
        let mut words = self.layout.iter().copied();
        let mut next = || words.next().unwrap_or(NONE);
        let mut rules = Vec::with_capacity(self.rules as usize);
        for _ in 0..self.rules {
            let (start, len) = (next(), next());
            let id = (start != NONE).then(|| self.get(Span { start, len }).to_owned());
            let mut lists: [Vec<String>; 4] = Default::default();
            for list in &mut lists {
                let n = next();
                list.reserve(n as usize);
                for _ in 0..n {
                    let (start, len) = (next(), next());
                    list.push(self.get(Span { start, len }).to_owned());
                }
            }
            let (present, age) = (next(), next());
            let max_age = (present == 1).then_some(age);
            let [
                allowed_origins,
                allowed_methods,
                allowed_headers,
                expose_headers,
            ] = lists;
            let mut rule = CorsRule::new();
            rule.id = id;
            rule.allowed_origins = allowed_origins;
            rule.allowed_methods = allowed_methods;
            rule.allowed_headers = allowed_headers;
            rule.expose_headers = expose_headers;
            rule.max_age_seconds = max_age;
            rules.push(rule);
        }
        let mut config = CorsConfiguration::new(rules);
        config.response_vary = self.response_vary;
        config
    }
}
