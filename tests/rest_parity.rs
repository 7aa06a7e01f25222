//! The Connect REST API, answer for answer against Apache's `ConnectStandalone` on the
//! lab: the scenario of `common::rest_scenario` is sent to both workers, and status codes
//! and JSON bodies must be equal after normalising only what must differ.

mod common;

use common::rest_scenario::{self, Side};
use common::standalone::unique;

#[test]
fn rest_api_answers_like_apache_connect() {
    let _ = common::kafka_libs();
    let run = unique("rest");
    let apache = Side::start(true, &run);
    let ours = Side::start(false, &run);
    let failures = rest_scenario::run(&apache, &ours, &|_, _, _, _| {});
    let _ = (&apache.dir, &ours.dir);
    assert!(
        failures.is_empty(),
        "{} answer(s) differ from Apache's:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
