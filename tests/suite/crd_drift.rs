//! `crds/` is generated from the Rust types; this fails when the two drift apart.
//! Regenerate with `cargo run -- crd > crds/tributary.dev.yaml`.

#[test]
fn crds_folder_matches_the_rust_types() {
    let generated = tributary::api::crds_yaml().unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crds/tributary.dev.yaml"
    ))
    .expect("crds/tributary.dev.yaml is missing");
    assert!(
        generated == committed,
        "crds/tributary.dev.yaml is stale: run `cargo run -- crd > crds/tributary.dev.yaml`"
    );
}
