//! Unit tests of the config module as a whole: a small table parsed and validated.

use indexmap::IndexMap;

use super::*;

fn props(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    crate::fixtures::string_map(pairs)
}

fn table() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new("name", ConfigType::String, Importance::High, "n")
                .validator(Validator::NonEmptyStringWithoutControlChars)
                .group("Common", 1)
                .width(Width::Medium)
                .display_name("Connector name"),
        )
        .define(
            ConfigKey::new("interval", ConfigType::Long, Importance::Low, "i")
                .default_value("60000"),
        )
        .define(
            ConfigKey::new("tasks", ConfigType::Int, Importance::High, "t")
                .default_value("1")
                .validator(Validator::at_least(1)),
        )
        .define(
            ConfigKey::new("mode", ConfigType::String, Importance::Low, "m")
                .default_value("none")
                .validator(Validator::one_of(&["none", "all"])),
        )
        .define(
            ConfigKey::new("servers", ConfigType::List, Importance::High, "s")
                .default_value("a")
                .validator(Validator::non_duplicate_list(false, false)),
        )
        .define(
            ConfigKey::new("secret", ConfigType::Password, Importance::High, "p").default_null(),
        )
        .define(
            ConfigKey::new("ratio", ConfigType::Double, Importance::Low, "r").default_value("0.5"),
        )
}

#[test]
fn parse_gives_typed_values_and_defaults() {
    let parsed = table()
        .parse(&props(&[
            ("name", " x "),
            ("servers", "b , c,b"),
            ("secret", "s3"),
            ("other", "kept"),
        ]))
        .unwrap();
    assert_eq!(parsed.string("name").unwrap(), Some("x"));
    assert_eq!(parsed.long("interval").unwrap(), Some(60000));
    assert_eq!(parsed.int("tasks").unwrap(), Some(1));
    assert_eq!(parsed.list("servers").unwrap().unwrap(), ["b", "c"]);
    assert_eq!(parsed.password("secret").unwrap().unwrap().value(), "s3");
    assert_eq!(
        format!("{:?}", parsed.password("secret").unwrap()),
        "Some([hidden])"
    );
    assert_eq!(parsed.double("ratio").unwrap(), Some(0.5));
    assert_eq!(parsed.unknown_keys(), ["other"]);
    assert!(parsed.int("interval").is_err());
    assert!(parsed.get("nope").is_err());
}

#[test]
fn parse_errors_use_apache_wording() {
    let t = table();
    let err = |p: &[(&str, &str)]| t.parse(&props(p)).unwrap_err().to_string();
    assert_eq!(
        err(&[]),
        "Missing required configuration \"name\" which has no default value."
    );
    assert_eq!(
        err(&[("name", "x"), ("interval", "abc")]),
        "Invalid value abc for configuration interval: Not a number of type LONG"
    );
    assert_eq!(
        err(&[("name", "x"), ("tasks", "1.5")]),
        "Invalid value 1.5 for configuration tasks: Not a number of type INT"
    );
    assert_eq!(
        err(&[("name", "x"), ("tasks", "0")]),
        "Invalid value 0 for configuration tasks: Value must be at least 1"
    );
    assert_eq!(
        err(&[("name", "x"), ("mode", "ALL")]),
        "Invalid value ALL for configuration mode: String must be one of: none, all"
    );
    assert_eq!(
        err(&[("name", "")]),
        "Invalid value  for configuration name: String may not be empty"
    );
    assert_eq!(
        err(&[("name", "a\u{1}b")]),
        "Invalid value a\u{1}b for configuration name: String may not contain control sequences but had the following ASCII chars: 1"
    );
    assert_eq!(
        err(&[("name", "x"), ("servers", "")]),
        "Configuration 'servers' must not be empty. Valid values include: any non-empty value"
    );
    assert_eq!(
        err(&[("name", "x"), ("servers", "a,,b")]),
        "Configuration 'servers' values must not be empty."
    );
    assert_eq!(
        err(&[("name", "x"), ("ratio", "inf")]),
        "Invalid value inf for configuration ratio: Not a number of type DOUBLE"
    );
}

#[test]
fn java_number_rules() {
    assert_eq!(
        parse_type("k", " +7 ", ConfigType::Int).unwrap(),
        ParsedValue::Int(7)
    );
    assert!(parse_type("k", "2147483648", ConfigType::Int).is_err());
    assert!(parse_type("k", "40000", ConfigType::Short).is_err());
    assert_eq!(
        parse_type("k", "1e3", ConfigType::Double).unwrap(),
        ParsedValue::Double(1000.0)
    );
    assert_eq!(
        parse_type("k", "2.5d", ConfigType::Double).unwrap(),
        ParsedValue::Double(2.5)
    );
    assert!(parse_type("k", "NaN", ConfigType::Double).is_ok());
    assert!(parse_type("k", "nan", ConfigType::Double).is_err());
    assert_eq!(
        parse_type("k", "TRUE", ConfigType::Boolean).unwrap(),
        ParsedValue::Boolean(true)
    );
    assert_eq!(
        parse_type("k", "yes", ConfigType::Boolean)
            .unwrap_err()
            .to_string(),
        "Invalid value yes for configuration k: Expected value to be either true or false"
    );
    assert_eq!(java_double_to_string(1.0), "1.0");
    assert_eq!(java_double_to_string(1e7), "1.0E7");
    assert_eq!(java_double_to_string(0.0001), "1.0E-4");
    assert_eq!(parse_list(" a , b,,c, "), ["a", "b", "", "c", ""]);
    assert!(parse_list("  ").is_empty());
}

#[test]
fn validate_collects_all_errors_and_serializes_like_apache() {
    let infos = table().config_infos(
        "Test",
        &props(&[("interval", "x"), ("tasks", "0"), ("secret", "pw")]),
    );
    assert_eq!(infos.error_count, 3);
    assert_eq!(infos.groups, ["Common"]);
    let json = serde_json::to_value(&infos).unwrap();
    let name = &json["configs"][0];
    assert_eq!(name["definition"]["type"], "STRING");
    assert_eq!(name["definition"]["required"], true);
    // Apache 4.3.1 writes `order_in_group` right after `group` (what its REST API
    // answers, compared in tests/suite/rest_parity.rs), not the `order` of older sources.
    assert_eq!(name["definition"]["order_in_group"], 1);
    assert_eq!(name["definition"]["width"], "MEDIUM");
    assert_eq!(name["definition"]["display_name"], "Connector name");
    assert_eq!(
        name["value"]["errors"][0],
        "Missing required configuration \"name\" which has no default value."
    );
    assert_eq!(name["value"]["value"], serde_json::Value::Null);
    let secret = &json["configs"][5]["value"];
    assert_eq!(secret["value"], "[hidden]");
    let servers = &json["configs"][4];
    assert_eq!(servers["definition"]["default_value"], "a");
    let keys: Vec<&str> = name["definition"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name",
            "type",
            "required",
            "default_value",
            "importance",
            "documentation",
            "group",
            "order_in_group",
            "width",
            "display_name",
            "dependents"
        ]
    );
    let value_keys: Vec<&str> = name["value"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        value_keys,
        ["name", "value", "recommended_values", "errors", "visible"]
    );
}

#[test]
fn table_bugs_are_reported_not_panicked() {
    let dup = ConfigDef::new()
        .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, ""))
        .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, ""));
    assert_eq!(
        dup.check().unwrap_err().to_string(),
        "Configuration a is defined twice."
    );
    let bad_default = ConfigDef::new()
        .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, "").default_value("x"));
    assert!(bad_default.parse(&IndexMap::new()).is_err());
    let missing_dep = ConfigDef::new().define(
        ConfigKey::new("a", ConfigType::Int, Importance::Low, "")
            .default_null()
            .dependents(&["b"]),
    );
    let results = missing_dep.validate(&IndexMap::new());
    assert_eq!(
        results["b"].errors,
        ["b is referred in the dependents, but not defined."]
    );
    assert!(!results["b"].visible);
}
