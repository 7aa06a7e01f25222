//! What imitates Java to stay byte-compatible with Apache Connect, in one place and one
//! copy each: the bottom layer, importing nothing else of the crate.
//!
//! - [`numbers`]: `Integer.parseInt` & co., `Double.parseDouble`, `Float.parseFloat`,
//!   `BigDecimal`;
//! - [`number_format`]: `Double.toString`, `Float.toString`, `BigDecimal.toString` and
//!   two's-complement decimals;
//! - [`date_format`]: `SimpleDateFormat` in UTC;
//! - [`jackson`]: compact JSON text and string escaping as Jackson writes them;
//! - [`serialization`]: Java object serialization of the standalone offsets file;
//! - [`properties`]: `java.util.Properties` reading and writing.
//!
//! Still elsewhere, because they model Java over Connect's own types: `data::java`
//! (`HashMap` iteration order of Connect values), the file connector's `java_text`
//! (`String.valueOf` of Connect values) and the routing SMTs' `java_regex` (a config
//! validator).

pub mod date_format;
pub mod jackson;
pub mod number_format;
pub mod numbers;
pub mod properties;
pub mod serialization;
