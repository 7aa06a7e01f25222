//! `tributary convert-distributed`: Apache's `connect-distributed.properties` in, the
//! equivalent `KafkaConnect` out (YAML on stdout, for `kubectl apply -f -`). Only wiring:
//! the file is read as `java.util.Properties` reads it, [`crate::api::distributed`] maps
//! it, notes go to stderr, and a refusal is an error (non-zero exit, every refused key
//! named with its reason).
//!
//! Named after the script whose file it takes (`connect-distributed.sh FILE`), so a
//! user who has that command line finds this one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::api::distributed::{DistributedOptions, from_distributed_properties};
use crate::java::properties;

/// Arguments of `tributary convert-distributed`.
#[derive(Debug, clap::Args)]
pub struct ConvertDistributedArgs {
    /// The worker file of Apache's `connect-distributed.sh` (`connect-distributed.properties`).
    pub file: PathBuf,
    /// Name of the KafkaConnect; the file's `group.id` when unset.
    #[arg(long)]
    pub name: Option<String>,
    /// Namespace written into the resource; `kubectl`'s when unset.
    #[arg(long)]
    pub namespace: Option<String>,
    /// Number of worker pods.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(0..))]
    pub replicas: i32,
}

pub fn run(args: ConvertDistributedArgs) -> anyhow::Result<ExitCode> {
    let props = properties::load_file(&args.file)?;
    let converted = from_distributed_properties(
        &props,
        &DistributedOptions {
            name: args.name,
            namespace: args.namespace,
            replicas: args.replicas,
        },
    )
    .with_context(|| format!("cannot convert {}", args.file.display()))?;
    for note in &converted.notes {
        eprintln!("note: {note}");
    }
    print!(
        "# Converted by `tributary convert-distributed` from {}\n{}",
        args.file.display(),
        serde_yaml_ng::to_string(&converted.resource)?
    );
    Ok(ExitCode::SUCCESS)
}
