//! `tributary crd`: prints the CRDs generated from the Rust types in `api`.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    print!("{}", crate::api::crds_yaml()?);
    Ok(ExitCode::SUCCESS)
}
