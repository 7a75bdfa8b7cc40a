//! The configuration an engine keeps, packed: every string of it in one text block and its
//! shape (which string is which field of which rule) in one block of numbers, so keeping it
//! costs two allocations whatever the number of rules and entries, instead of one per
//! string and per list.
//!
//! [`StoredConfig::to_config`] rebuilds the [`CorsConfiguration`] on demand (for
//! [`CorsEngine::configuration`](super::CorsEngine::configuration), `explain` and `diff`),
//! in O(C) time and memory, C the size of the configuration.
//!
//! The same text holds the keys of the origin and header indexes: they are ranges of it, not
//! copies, so an entry's bytes are in an engine once.

use crate::error::ConfigError;
use crate::model::{CorsConfiguration, CorsRule};

/// The marker of an absent optional value in the layout.
const NONE: u32 = u32::MAX;

/// A configuration packed into two blocks.
#[derive(Debug, Clone)]
pub(crate) struct StoredConfig {
    /// Every string, one after another, in layout order; after them, the lower-cased copies
    /// of `AllowedHeader` entries the header index needs (see [`Packer::append`]). The
    /// engine's indexes key their entries by ranges of this text rather than copies.
    text: Box<str>,
    /// Per rule: where the ID ends (`NONE` when absent), then four lists (origins, methods,
    /// headers, expose headers), each a count and where each of its strings ends, then the
    /// max age as a presence flag (0 or 1) and the value. A string starts where the one
    /// before it ended, so one number a string is enough.
    layout: Box<[u32]>,
    response_vary: Option<bool>,
}

/// An entry of a rule, as a range of the packed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The rule's index.
    pub(crate) rule: usize,
    /// Where it starts in the text.
    pub(crate) start: u32,
    /// Its length.
    pub(crate) len: u32,
}

impl Entry {
    /// Its text ("" for a range outside `text`, which packing never makes).
    pub(crate) fn text<'t>(&self, text: &'t str) -> &'t str {
        let start = self.start as usize;
        text.get(start..start + self.len as usize)
            .unwrap_or_default()
    }
}

/// Builds a [`StoredConfig`]: strings appended to one text, their ends recorded in the
/// layout, from which [`Packer::entries`] gives the ranges of the entries the indexes key.
pub(crate) struct Packer {
    text: String,
    layout: Vec<u32>,
}

/// The lists of a rule, in layout order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Origins = 0,
    Headers = 2,
}

impl Packer {
    /// Packs every field of every rule of `config`.
    ///
    /// # Errors
    ///
    /// When the text would outgrow 4 GiB (only a configuration built in memory can).
    pub(crate) fn new(config: &CorsConfiguration) -> Result<Packer, ConfigError> {
        let (mut bytes, mut words) = (0usize, 0usize);
        for rule in &config.rules {
            words += 1 + 4 + 2;
            bytes += rule.id.as_ref().map_or(0, String::len);
            for list in lists(rule) {
                words += list.len();
                bytes += list.iter().map(String::len).sum::<usize>();
            }
        }
        let mut packer = Packer {
            text: String::with_capacity(bytes),
            layout: Vec::with_capacity(words),
        };
        for rule in &config.rules {
            match &rule.id {
                Some(id) => {
                    let end = packer.append(id)?;
                    packer.layout.push(end);
                }
                None => packer.layout.push(NONE),
            }
            for list in lists(rule) {
                packer.layout.push(count(list.len())?);
                for item in list {
                    let end = packer.append(item)?;
                    packer.layout.push(end);
                }
            }
            match rule.max_age_seconds {
                Some(age) => packer.layout.extend([1, age]),
                None => packer.layout.extend([0, 0]),
            }
        }
        Ok(packer)
    }

    /// The text so far.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The entries of one list of every rule, in document order, read back from the layout
    /// (no allocation).
    pub(crate) fn entries(&self, list: List) -> impl Iterator<Item = Entry> + '_ {
        rule_layouts(&self.layout)
            .enumerate()
            .flat_map(move |(rule, layout)| {
                layout.ranges(list as usize).map(move |(start, end)| Entry {
                    rule,
                    start,
                    len: end.saturating_sub(start),
                })
            })
    }

    /// Appends a string to the text and returns where it ends. After [`Packer::new`], what
    /// is appended is not part of the configuration: the index keys that are not substrings
    /// of it.
    ///
    /// # Errors
    ///
    /// When the text would outgrow 4 GiB.
    pub(crate) fn append(&mut self, text: &str) -> Result<u32, ConfigError> {
        let end = count(self.text.len().saturating_add(text.len()))?;
        self.text.push_str(text);
        Ok(end)
    }

    /// The packed configuration; `config` is the one [`Packer::new`] packed.
    pub(crate) fn finish(self, config: &CorsConfiguration) -> StoredConfig {
        StoredConfig {
            text: self.text.into_boxed_str(),
            layout: self.layout.into_boxed_slice(),
            response_vary: config.response_vary,
        }
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

impl StoredConfig {
    /// The text the indexes' keys are ranges of.
    #[inline]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The configuration, rebuilt: equal to the one packed.
    pub(crate) fn to_config(&self) -> CorsConfiguration {
        let string = |(start, end): (u32, u32)| {
            self.text
                .get(start as usize..end as usize)
                .unwrap_or_default()
                .to_owned()
        };
        let rules = rule_layouts(&self.layout)
            .map(|layout| {
                let list = |k| layout.ranges(k).map(string).collect();
                let mut rule = CorsRule::new();
                rule.id = layout.id_end.map(|end| string((layout.start, end)));
                rule.allowed_origins = list(0);
                rule.allowed_methods = list(1);
                rule.allowed_headers = list(2);
                rule.expose_headers = list(3);
                rule.max_age_seconds = layout.max_age;
                rule
            })
            .collect();
        let mut config = CorsConfiguration::new(rules);
        config.response_vary = self.response_vary;
        config
    }
}

/// One rule's part of the layout.
struct RuleLayout<'a> {
    /// Where its first string starts: where the rule before it ended.
    start: u32,
    /// Where the ID ends, when the rule has one.
    id_end: Option<u32>,
    /// Where each string of each of its four lists ends.
    lists: [&'a [u32]; 4],
    max_age: Option<u32>,
}

impl<'a> RuleLayout<'a> {
    /// Where the strings before list `k` end (every list before it, then the ID).
    fn end_before(&self, k: usize) -> u32 {
        self.lists
            .get(..k)
            .unwrap_or_default()
            .iter()
            .rev()
            .find_map(|ends| ends.last().copied())
            .or(self.id_end)
            .unwrap_or(self.start)
    }

    /// The range (start, end) of each string of list `k`.
    fn ranges(&self, k: usize) -> impl Iterator<Item = (u32, u32)> + use<'a> {
        let mut start = self.end_before(k);
        let ends: &'a [u32] = self.lists.get(k).copied().unwrap_or_default();
        ends.iter().map(move |&end| {
            let range = (start, end);
            start = end;
            range
        })
    }
}

/// The rules of a layout, in order. Every string starts where the one before it ended; a
/// layout cut short (which packing never makes) ends the walk.
fn rule_layouts(layout: &[u32]) -> impl Iterator<Item = RuleLayout<'_>> {
    let (mut rest, mut start) = (layout, 0);
    std::iter::from_fn(move || {
        let (&id_end, mut after) = rest.split_first()?;
        let mut lists: [&[u32]; 4] = [&[]; 4];
        for list in &mut lists {
            let (&n, tail) = after.split_first()?;
            (*list, after) = tail.split_at_checked(n as usize)?;
        }
        let (&[present, age], tail) = after.split_first_chunk::<2>()?;
        rest = tail;
        let rule = RuleLayout {
            start,
            id_end: (id_end != NONE).then_some(id_end),
            lists,
            max_age: (present == 1).then_some(age),
        };
        start = rule.end_before(4);
        Some(rule)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_the_configuration_read_back_from_the_layout() {
        let config = CorsConfiguration::new(vec![
            CorsRule::new()
                .id("first")
                .allowed_origins(["https://a.example", "https://*.b.example"])
                .allowed_method("GET")
                .allowed_headers(["X-Amz-*", "content-type"])
                .expose_header("ETag")
                .max_age_seconds(30),
            CorsRule::new().allowed_origin("*").allowed_method("PUT"),
            CorsRule::new()
                .id("")
                .allowed_origin("")
                .allowed_method("HEAD")
                .allowed_header("*"),
        ]);
        let packer = Packer::new(&config).unwrap();
        let texts = |list| {
            packer
                .entries(list)
                .map(|e| (e.rule, e.text(packer.text()).to_owned()))
                .collect::<Vec<_>>()
        };
        let expected = |pick: fn(&CorsRule) -> &[String]| {
            let mut all = Vec::new();
            for (rule, r) in config.rules.iter().enumerate() {
                all.extend(pick(r).iter().map(|e| (rule, e.clone())));
            }
            all
        };
        assert_eq!(texts(List::Origins), expected(|r| &r.allowed_origins));
        assert_eq!(texts(List::Headers), expected(|r| &r.allowed_headers));
        assert_eq!(packer.finish(&config).to_config(), config);
    }
}
