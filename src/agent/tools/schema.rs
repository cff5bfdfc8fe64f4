//! The JSON schema of a tool's argument type, in the plain shape every provider's tool
//! format takes: one inline object schema, no `$schema`/`title`/`$ref`, optional fields
//! typed as their value (the parser reads `null` as absent), no `format` keywords (some
//! providers refuse ones they do not know).

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// The `parameters` object the model is offered for arguments of type `T`.
pub(crate) fn parameters<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .for_deserialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(root) = schema.as_object_mut() {
        // The tool's own description says what the call is for; the type's doc is for us.
        for key in ["$schema", "title", "description", "definitions", "$defs"] {
            root.remove(key);
        }
        root.insert("type".into(), Value::from("object"));
        let properties = root
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(properties) = properties.as_object_mut() {
            properties.values_mut().for_each(plain_property);
        }
        if root
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.is_empty())
        {
            root.remove("required");
        }
    }
    schema
}

fn plain_property(property: &mut Value) {
    let Some(p) = property.as_object_mut() else {
        return;
    };
    p.remove("format");
    // `["integer", "null"]` from an `Option`: some providers take only one type.
    if let Some(Value::Array(types)) = p.get("type") {
        let named: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if named.len() == 1 {
            p.insert("type".into(), named[0].clone());
        }
    }
}

/// The type a property's schema names (`"string"`, `"integer"`...), if one.
pub(crate) fn property_type<'a>(parameters: &'a Value, field: &str) -> Option<&'a str> {
    parameters
        .get("properties")?
        .get(field)?
        .get("type")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file to read.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Sample {
        /// Where
        path: String,
        #[schemars(range(min = 1))]
        line: Option<usize>,
    }

    #[derive(JsonSchema)]
    struct Nothing {}

    #[test]
    fn schemas_are_plain_objects() {
        assert_eq!(
            parameters::<Sample>(),
            serde_json::json!({"type": "object", "properties": {
                "path": {"type": "string", "description": "Where"},
                "line": {"type": "integer", "minimum": 1}
            }, "required": ["path"]})
        );
        assert_eq!(
            parameters::<Nothing>(),
            serde_json::json!({"type": "object", "properties": {}})
        );
    }
}
