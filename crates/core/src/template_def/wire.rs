//! Helpers for Meta's wire shapes: upper-case enums read case-insensitively, and objects
//! tagged by `type` whose unknown tags are kept verbatim.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Declares a fieldless enum whose wire form is an upper-case string, read
/// case-insensitively.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Parses a wire name, ignoring ASCII case.
            pub fn parse(s: &str) -> Option<Self> {
                $(if s.eq_ignore_ascii_case($wire) {
                    return Some($name::$variant);
                })+
                None
            }

            /// The wire names joined by `, ` (for error messages).
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} `{s}`; expected one of {}",
                        stringify!($name),
                        Self::names()
                    ))
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Splits a tagged object into its `type` and the other fields.
pub(crate) fn untag<E: serde::de::Error>(
    mut map: Map<String, Value>,
    what: &str,
) -> Result<(String, Map<String, Value>), E> {
    match map.remove("type") {
        Some(Value::String(tag)) => Ok((tag, map)),
        _ => Err(E::custom(format!("{what} without a string `type`"))),
    }
}

/// Reads `map` as a `T`.
pub(crate) fn from_map<T: DeserializeOwned>(map: &Map<String, Value>) -> Option<T> {
    serde_json::from_value(Value::Object(map.clone())).ok()
}

/// Serializes `inner` (an object) with `"type": tag` added.
pub(crate) fn tagged<T: Serialize, S: serde::Serializer>(
    tag: &str,
    inner: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut map = match serde_json::to_value(inner) {
        Ok(Value::Object(map)) => map,
        Ok(_) => Map::new(),
        Err(e) => return Err(serde::ser::Error::custom(e)),
    };
    map.insert("type".to_string(), Value::from(tag));
    map.serialize(s)
}
