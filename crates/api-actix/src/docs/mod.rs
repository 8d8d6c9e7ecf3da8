//! The API described: the OpenAPI document, the `/help` page rendered from it, and the
//! samples both show (and the tests post).

pub mod generators;
pub mod help;
pub(crate) mod inputs;
pub mod openapi;
pub mod refinements;
pub mod samples;
pub mod wire_schemas;
