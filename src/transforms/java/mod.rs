//! Java library behaviour the SMTs reproduce to give Apache's results: `SimpleDateFormat`
//! in UTC (`date_format`), `BigDecimal` and the boxed numbers' parsing and printing
//! (`numbers`), and Connect's `Values.parseString` inference (`values`).

pub mod date_format;
pub mod numbers;
pub mod values;
