//! The `--stats-json` document against its schema, `docs/stats.schema.json`:
//! real runs under each built-in policy validate, and the schema names
//! exactly the fields the documents have.
//!
//! Invariant: the validator here knows only the keywords the schema uses
//! (`type`, `minimum`, `properties`, `required`, `additionalProperties`,
//! `items`, `$ref` into `$defs`, and the annotations) and refuses a schema
//! with any other, so no part of the schema goes unchecked. A full JSON
//! Schema crate (`jsonschema`) would add some 40 crates to the lock file
//! for this one test.

mod common;

use std::collections::BTreeSet;

use serde_json::Value as Json;

/// Keywords that only annotate: checked for nothing.
const ANNOTATIONS: [&str; 5] = ["$schema", "$id", "title", "description", "$defs"];

fn schema() -> Json {
    let text = std::fs::read_to_string(common::root().join("docs/stats.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The errors of `value` against `schema`, each with its JSON path.
fn validate(root: &Json, schema: &Json, value: &Json, path: &str, errors: &mut Vec<String>) {
    let schema = schema.as_object().expect("a schema is an object");
    for (key, rule) in schema {
        match key.as_str() {
            "$ref" => {
                let name = rule.as_str().unwrap().strip_prefix("#/$defs/").unwrap();
                validate(root, &root["$defs"][name], value, path, errors);
            }
            "type" => {
                let types: Vec<&str> = match rule {
                    Json::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    t => vec![t.as_str().unwrap()],
                };
                if !types.iter().any(|t| has_type(value, t)) {
                    errors.push(format!("{path}: {value} is not {types:?}"));
                }
            }
            "minimum" => {
                let min = rule.as_f64().unwrap();
                if value.as_f64().is_some_and(|v| v < min) {
                    errors.push(format!("{path}: {value} is below {min}"));
                }
            }
            "required" => {
                for name in rule.as_array().unwrap() {
                    let name = name.as_str().unwrap();
                    if value.is_object() && value.get(name).is_none() {
                        errors.push(format!("{path}: no '{name}'"));
                    }
                }
            }
            "additionalProperties" => {
                assert_eq!(rule, &Json::Bool(false), "only false is supported");
                if let Some(fields) = value.as_object() {
                    for name in fields.keys() {
                        if schema["properties"].get(name).is_none() {
                            errors.push(format!("{path}: '{name}' is not in the schema"));
                        }
                    }
                }
            }
            "properties" => {
                for (name, sub) in rule.as_object().unwrap() {
                    if let Some(field) = value.get(name) {
                        validate(root, sub, field, &format!("{path}.{name}"), errors);
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    validate(root, rule, item, &format!("{path}[{i}]"), errors);
                }
            }
            other if ANNOTATIONS.contains(&other) => {}
            other => panic!("the schema uses '{other}', which this validator does not check"),
        }
    }
}

fn has_type(value: &Json, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        other => panic!("unknown type '{other}'"),
    }
}

/// Spawns two isolates, sends to and hears from each, and collects
/// globally: every part of the document has something in it.
const PROGRAM: &str = r#"
fn child(parent) {
  let xs = receive()
  send(parent, len(xs))
}

fn main() {
  let hs = []
  for i in range(2) { push(hs, spawn(child, self())) }
  for h in hs { send(h, range(1000)) }
  let total = 0
  for h in hs { total = total + receive() }
  gc_global()
  print(total)
}
"#;

/// The documents of [`PROGRAM`] under `local` and `global-only`.
fn documents() -> Vec<(&'static str, Json)> {
    ["local", "global-only"]
        .into_iter()
        .map(|policy| {
            let name = format!("schema_{policy}");
            let (out, doc) = common::run_for_stats(&name, PROGRAM, &["--gc", policy], &[]);
            assert_eq!(String::from_utf8_lossy(&out.stdout), "2000\n");
            (policy, doc)
        })
        .collect()
}

#[test]
fn stats_documents_of_both_policies_validate_against_the_schema() {
    let schema = schema();
    for (policy, doc) in documents() {
        let mut errors = Vec::new();
        validate(&schema, &schema, &doc, "$", &mut errors);
        assert!(errors.is_empty(), "{policy}: {errors:#?}");
        assert_eq!(doc["policy"]["name"], policy);
        assert_eq!(common::u64_at(&doc, &["isolates", "spawned"]), 3);
        assert!(common::u64_at(&doc, &["global", "collections"]) >= 1);
        // Options keep their types: a byte count is an integer, not "262144".
        let options = &doc["policy"]["options"];
        assert_eq!(options["min_heap"], 256 * 1024, "{policy}");
        assert!(options["growth"].is_f64(), "{policy}: {options}");
        assert_eq!(options["growth"], 2.0);
        assert!(options["global_mark_threads"].is_u64());
        if policy == "local" {
            assert_eq!(options["global_min"], 8 << 20);
            assert!(options["global_factor"].is_f64());
            assert_eq!(options["dead_limit"], 32 << 20);
        }
    }
}

/// Every object of the schema has a description per property and closes
/// itself with `additionalProperties: false`; every property it lists
/// appears in one of the documents, and every property but the options of
/// one policy alone is required. With the validation above, the schema
/// and the documents name the same fields.
#[test]
fn the_schema_lists_exactly_the_fields_of_the_documents() {
    let schema = schema();
    let mut seen = BTreeSet::new();
    for (_, doc) in documents() {
        collect_paths(&schema, &schema, &doc, "$", &mut seen);
    }
    let mut listed = BTreeSet::new();
    let mut optional = BTreeSet::new();
    list_paths(&schema, &schema, "$", &mut listed, &mut optional);
    let unseen: Vec<_> = listed.difference(&seen).collect();
    assert!(
        unseen.is_empty(),
        "in the schema, in no document: {unseen:?}"
    );
    let options = ["global_min", "global_factor", "dead_limit"];
    let expected: BTreeSet<String> = options
        .iter()
        .map(|o| format!("$.policy.options.{o}"))
        .collect();
    assert_eq!(optional, expected, "only local's own options are optional");
}

/// Follows `$ref` to the schema it names.
fn resolve<'a>(root: &'a Json, schema: &'a Json) -> &'a Json {
    match schema["$ref"].as_str() {
        Some(r) => &root["$defs"][r.strip_prefix("#/$defs/").unwrap()],
        None => schema,
    }
}

/// The schema paths of the fields `value` has (array items as `[]`).
fn collect_paths(
    root: &Json,
    schema: &Json,
    value: &Json,
    path: &str,
    seen: &mut BTreeSet<String>,
) {
    let schema = resolve(root, schema);
    if let (Some(props), Some(fields)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, field) in fields {
            let sub = format!("{path}.{name}");
            let Some(field_schema) = props.get(name) else {
                panic!("{sub} is in a document, not in the schema");
            };
            collect_paths(root, field_schema, field, &sub, seen);
            seen.insert(sub);
        }
    }
    for item in value.as_array().into_iter().flatten() {
        collect_paths(root, &schema["items"], item, &format!("{path}[]"), seen);
    }
}

/// Every property path the schema lists; those not required go in
/// `optional`. Checks descriptions and closure on the way.
fn list_paths(
    root: &Json,
    schema: &Json,
    path: &str,
    listed: &mut BTreeSet<String>,
    optional: &mut BTreeSet<String>,
) {
    let schema = resolve(root, schema);
    if let Some(props) = schema["properties"].as_object() {
        assert_eq!(schema["additionalProperties"], false, "{path} is open");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().map(|n| n.as_str().unwrap()).collect())
            .unwrap_or_default();
        for (name, sub) in props {
            let sub_path = format!("{path}.{name}");
            assert!(sub["description"].is_string(), "{sub_path}: no description");
            if !required.contains(&name.as_str()) {
                optional.insert(sub_path.clone());
            }
            list_paths(root, sub, &sub_path, listed, optional);
            listed.insert(sub_path);
        }
    }
    if schema.get("items").is_some() {
        list_paths(
            root,
            &schema["items"],
            &format!("{path}[]"),
            listed,
            optional,
        );
    }
}
