//! SMTs that route, filter or touch headers: DropHeaders, Filter, HeaderFrom,
//! InsertHeader, RegexRouter, TimestampRouter.

mod drop_headers;
mod filter;
mod header_from;
mod insert_header;
pub(crate) mod java_regex;
mod regex_router;
mod timestamp_router;

pub use drop_headers::DropHeaders;
pub use filter::Filter;
pub use header_from::{HeaderFrom, Operation};
pub use insert_header::InsertHeader;
pub use regex_router::RegexRouter;
pub use timestamp_router::TimestampRouter;

use super::TransformPlugin;

/// The transformations of this family.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.DropHeaders",
            config_def: drop_headers::config_def,
            create: |props| Ok(Box::new(DropHeaders::from_props(props)?)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.Filter",
            config_def: filter::config_def,
            create: |_| Ok(Box::new(Filter)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.HeaderFrom$Key",
            config_def: header_from::config_def,
            create: |props| Ok(Box::new(HeaderFrom::from_props(props, true)?)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.HeaderFrom$Value",
            config_def: header_from::config_def,
            create: |props| Ok(Box::new(HeaderFrom::from_props(props, false)?)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.InsertHeader",
            config_def: insert_header::config_def,
            create: |props| Ok(Box::new(InsertHeader::from_props(props)?)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.RegexRouter",
            config_def: regex_router::config_def,
            create: |props| Ok(Box::new(RegexRouter::from_props(props)?)),
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.TimestampRouter",
            config_def: timestamp_router::config_def,
            create: |props| Ok(Box::new(TimestampRouter::from_props(props)?)),
        },
    ]
}
