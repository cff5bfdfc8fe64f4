//! The model's argument text into a tool's argument type. Lenient where models commonly
//! slip (empty arguments for tools without parameters, doubly encoded JSON, `null` for an
//! absent field, numbers as strings and the reverse), led by the type's own schema so the
//! leniency cannot disagree with what the model was shown. serde has the last word; its
//! error becomes a short message naming the tool, the field and the expected shape.

use serde_json::{Map, Value};

use super::{Tool, ToolError, schema};

pub(crate) fn parse<T: Tool>(raw: &str) -> Result<T::Args, ToolError> {
    let mut map = object::<T>(raw)?;
    let parameters = schema::parameters::<T::Args>();
    coerce(&mut map, &parameters);
    let value = Value::Object(map);
    serde_path_to_error::deserialize(&value).map_err(|e| explain::<T>(&e, &value, &parameters))
}

/// The argument text as a JSON object; nothing at all, or `null`, is an empty one.
fn object<T: Tool>(raw: &str) -> Result<Map<String, Value>, ToolError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Map::new());
    }
    let bad = |detail: String| {
        ToolError::model(
            Some(super::Signal::BadArguments),
            format!(
                "the arguments for `{}` are not a JSON object ({detail}); send an object such as {}",
                T::NAME,
                T::EXAMPLE
            ),
        )
    };
    let value: Value = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
    let value = match value {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| bad(e.to_string()))?,
        v => v,
    };
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(bad(format!("got {}", kind(&other)))),
    }
}

/// `null` is absent; a number where the schema wants a string is that string; a string
/// holding a whole number where it wants an integer is that number.
fn coerce(map: &mut Map<String, Value>, parameters: &Value) {
    map.retain(|_, v| !v.is_null());
    for (key, v) in map.iter_mut() {
        match (schema::property_type(parameters, key), &*v) {
            (Some("string"), Value::Number(n)) => *v = Value::String(n.to_string()),
            (Some("integer"), Value::String(s)) => {
                if let Ok(n) = s.trim().parse::<u64>() {
                    *v = Value::from(n);
                }
            }
            _ => {}
        }
    }
}

fn explain<T: Tool>(
    e: &serde_path_to_error::Error<serde_json::Error>,
    value: &Value,
    parameters: &Value,
) -> ToolError {
    let inner = e.inner().to_string();
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return ToolError::bad_arguments(
            T::NAME,
            &format!("missing required argument `{field}`; send {}", T::EXAMPLE),
        );
    }
    let field = e.path().to_string();
    let (Some(got), Some(want)) = (value.get(&field), schema::property_type(parameters, &field))
    else {
        return ToolError::bad_arguments(T::NAME, &format!("{inner}; send {}", T::EXAMPLE));
    };
    ToolError::bad_arguments(
        T::NAME,
        &format!(
            "`{field}` must be {}, got {}; send {}",
            shape(want),
            shown(got),
            T::EXAMPLE
        ),
    )
}

fn shape(json_type: &str) -> &str {
    match json_type {
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "an array",
        "object" => "an object",
        other => other,
    }
}

/// A scalar as written (short), anything else by its kind.
fn shown(v: &Value) -> String {
    match v {
        Value::Number(_) | Value::Bool(_) => v.to_string(),
        Value::String(s) if s.chars().count() <= 40 => v.to_string(),
        _ => kind(v).to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::super::edit_file::EditFile;
    use super::super::read_file::ReadFile;
    use super::*;

    fn message(e: ToolError) -> String {
        match e {
            ToolError::Model(o) => {
                assert_eq!(o.signal, Some(super::super::Signal::BadArguments));
                o.content
            }
            ToolError::Fatal(f) => panic!("not fatal: {f}"),
        }
    }

    #[test]
    fn models_slips_are_read_the_way_they_were_meant() {
        let a = parse::<ReadFile>(r#"{"path": 5, "start_line": " 3", "end_line": null}"#).unwrap();
        assert_eq!(
            (a.path.as_str(), a.start_line, a.end_line),
            ("5", Some(3), None)
        );
        let doubled = serde_json::to_string(r#"{"path": "a.py"}"#).unwrap();
        assert_eq!(parse::<ReadFile>(&doubled).unwrap().path, "a.py");
        // Unknown keys are ignored, as models add their own.
        assert!(parse::<ReadFile>(r#"{"path": "a", "why": "look"}"#).is_ok());
    }

    #[test]
    fn serde_errors_name_the_tool_the_field_and_the_shape() {
        let m = message(parse::<ReadFile>(r#"{"path": ["a.py"]}"#).unwrap_err());
        assert!(
            m.starts_with("read_file: `path` must be a string, got an array; send {"),
            "{m}"
        );
        let m = message(parse::<ReadFile>(r#"{"path": "a", "start_line": "ten"}"#).unwrap_err());
        assert!(
            m.starts_with(r#"read_file: `start_line` must be a whole number, got "ten""#),
            "{m}"
        );
        let m = message(parse::<ReadFile>(r#"{"path": "a", "end_line": -2}"#).unwrap_err());
        assert!(
            m.contains("`end_line` must be a whole number, got -2"),
            "{m}"
        );
        let m = message(parse::<EditFile>(r#"{"path": "a", "new_text": "b"}"#).unwrap_err());
        assert!(
            m.starts_with("edit_file: missing required argument `old_text`; send {"),
            "{m}"
        );
        let m = message(parse::<ReadFile>("[1, 2]").unwrap_err());
        assert!(m.contains("not a JSON object (got an array)"), "{m}");
    }
}
