//! Reading requests: bodies within their limits and budget, each body format into the
//! domain's draft (or a settlement request), and the query string.

pub mod body;
pub mod form;
pub mod json;
pub mod query;
pub mod settlement;
pub mod text_encoding;
pub mod xml;
mod xml_well_formed;
