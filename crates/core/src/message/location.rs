//! Location messages.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::{Check, MessageError, Obj};
use crate::json_reader::wrong_type;

/// The content of a `location` message: `{latitude, longitude, name?, address?}`.
///
/// Meta's docs send coordinates as strings and its examples as numbers; both are accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude in degrees, -90 to 90.
    #[serde(deserialize_with = "number_or_string")]
    pub latitude: f64,
    /// Longitude in degrees, -180 to 180.
    #[serde(deserialize_with = "number_or_string")]
    pub longitude: f64,
    /// Name of the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address of the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| serde::de::Error::custom("not a finite number")),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom(
            "expected a number or a numeric string",
        )),
    }
}

/// Reads a coordinate given as a number or a numeric string, checking `-limit ..= limit`.
fn coordinate(o: &Obj<'_>, key: &str, limit: f64) -> Check<f64> {
    let path = o.at_key(key);
    let value = match o.get(key) {
        None => return Err(o.missing(key, "give it in decimal degrees")),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(other) => return Err(wrong_type(&path, "a number or a numeric string", other)),
    };
    match value {
        Some(v) if v.is_finite() && (-limit..=limit).contains(&v) => Ok(v),
        Some(v) if v.is_finite() => Err(MessageError::bad_value(
            &path,
            format!("must be between -{limit} and {limit} degrees, got {v}"),
        )),
        _ => Err(MessageError::invalid(
            &path,
            "must be a decimal number of degrees, e.g. 37.758056",
        )),
    }
}

/// Parses a `location` object (also used by template location parameters).
pub(crate) fn parse(o: &Obj<'_>) -> Check<Location> {
    o.only(&["latitude", "longitude", "name", "address"])?;
    Ok(Location {
        latitude: coordinate(o, "latitude", 90.0)?,
        longitude: coordinate(o, "longitude", 180.0)?,
        name: o.opt_limited("name", 1024)?,
        address: o.opt_limited("address", 1024)?,
    })
}
