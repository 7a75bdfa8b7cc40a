//! S3's XML error body, written once for every error the crate answers with.

use crate::s3::{S3ErrorCode, escape_into};

/// An S3 error body under construction: `<Code>` and `<Message>` first, then any elements
/// the error adds, then `<RequestId>` and `<HostId>`. Every value is escaped.
pub(crate) struct ErrorBody {
    out: String,
}

impl ErrorBody {
    /// Starts a body with the code and the message.
    pub(crate) fn new(code: S3ErrorCode, message: &str) -> Self {
        let mut out = String::with_capacity(320 + message.len());
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
        out.push_str(code.as_str());
        out.push_str("</Code><Message>");
        escape_into(&mut out, message);
        out.push_str("</Message>");
        ErrorBody { out }
    }

    /// Adds an element with an escaped value.
    pub(crate) fn element(&mut self, name: &str, value: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, value);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Ends the body with the host's request and host ids.
    pub(crate) fn finish(mut self, request_id: &str, host_id: &str) -> String {
        self.element("RequestId", request_id)
            .element("HostId", host_id);
        self.out.push_str("</Error>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_elements_keep_their_order() {
        let mut body = ErrorBody::new(S3ErrorCode::InvalidRequest, "a <b> & c");
        body.element("Method", "G&T");
        assert_eq!(
            body.finish("r<1", "h>2"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRequest</Code>\
             <Message>a &lt;b&gt; &amp; c</Message><Method>G&amp;T</Method>\
             <RequestId>r&lt;1</RequestId><HostId>h&gt;2</HostId></Error>"
        );
    }
}
