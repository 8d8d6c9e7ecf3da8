//! An error's whole story on one line, for logs.

use std::error::Error;

/// `error: cause: cause…`, an error's whole chain on one line: for logs, and for copying
/// an error's story into another; never for clients.
pub fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
