//! The JSON contracts' writer: objects with their members in a fixed order.

/// A JSON object written in insertion order (the contract's order).
pub(crate) struct JsonObject {
    body: String,
}

impl JsonObject {
    pub(crate) fn new() -> Self {
        JsonObject {
            body: String::new(),
        }
    }

    pub(crate) fn raw(mut self, key: &str, value: &str) -> Self {
        if !self.body.is_empty() {
            self.body.push_str(", ");
        }
        self.body.push_str(&quote(key));
        self.body.push_str(": ");
        self.body.push_str(value);
        self
    }

    pub(crate) fn null(self, key: &str) -> Self {
        self.raw(key, "null")
    }

    pub(crate) fn bool(self, key: &str, value: bool) -> Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    pub(crate) fn str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => {
                let quoted = quote(value);
                self.raw(key, &quoted)
            }
            None => self.null(key),
        }
    }

    pub(crate) fn num(self, key: &str, value: Option<u64>) -> Self {
        match value {
            Some(value) => self.raw(key, &value.to_string()),
            None => self.null(key),
        }
    }

    pub(crate) fn finish(self) -> String {
        format!("{{{}}}", self.body)
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
