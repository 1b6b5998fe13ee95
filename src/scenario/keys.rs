//! Every key of the scenario file, read off the raw structs' serde declarations, so
//! that a list of keys (the loader's fuzz test uses one) is never kept by hand.
//!
//! A deserializer that holds no data walks `RawScenario` as serde sees it: each struct
//! hands over its field names, an option is followed into, an array is entered once
//! (as `[]`), a table of named entries (`[tiers.<name>]`) is entered once under the
//! name `*`, and every leaf records its dotted path. A distribution-or-duration
//! (`RawDistValue`) is a leaf and also holds the keys of a distribution table. The
//! alternative, reflecting with a crate like `serde-reflection`, would add a
//! dependency for a hundred lines.

use super::raw::{DIST_VALUE, RawDist, RawScenario};
use serde::Deserialize;
use serde::de::value::{Error, StrDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

/// Every key a scenario file may hold, as dotted paths in the order the file format
/// declares them; `[]` is one element of an array of tables (`traffic.spike[].peak`),
/// `*` any name of a table of named entries (`tiers.*.autoscaling.max`).
/// A key whose value may be a table of its own (`service.time`) is listed both alone
/// and with the table's keys.
pub fn known_keys() -> Vec<String> {
    let mut keys = Vec::new();
    RawScenario::deserialize(Keys {
        path: String::new(),
        out: &mut keys,
    })
    .expect("the raw structs take any value the key walker gives");
    keys
}

/// The walker at one path.
struct Keys<'a> {
    path: String,
    out: &'a mut Vec<String>,
}

impl Keys<'_> {
    fn child(&mut self, name: &str) -> Keys<'_> {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Keys {
            path,
            out: self.out,
        }
    }

    /// Records a leaf: an array of plain values is one key, not `key[]`.
    fn record(&mut self) {
        let key = self.path.trim_end_matches("[]").to_string();
        if !self.out.contains(&key) {
            self.out.push(key);
        }
    }
}

impl<'de> de::Deserializer<'de> for Keys<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        self.record();
        visitor.visit_str("")
    }

    fn deserialize_bool<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        self.record();
        visitor.visit_bool(false)
    }

    fn deserialize_u64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        self.record();
        visitor.visit_u64(0)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let path = format!("{}[]", self.path);
        visitor.visit_seq(OneElement(Some(Keys {
            path,
            out: self.out,
        })))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(OneEntry(Some(self)))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Fields {
            keys: self,
            fields: fields.iter(),
            current: "",
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == DIST_VALUE {
            RawDist::deserialize(Keys {
                path: self.path.clone(),
                out: self.out,
            })?;
        }
        self.record();
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.record();
        let first: StrDeserializer<Error> = variants[0].into_deserializer();
        visitor.visit_enum(first)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 char str string bytes byte_buf unit
        unit_struct tuple tuple_struct identifier ignored_any
    }
}

/// An array's one element.
struct OneElement<'a>(Option<Keys<'a>>);

impl<'de> de::SeqAccess<'de> for OneElement<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.take().map(|keys| seed.deserialize(keys)).transpose()
    }
}

/// A table of named entries' one entry, named `*`.
struct OneEntry<'a>(Option<Keys<'a>>);

/// The name [`OneEntry`] gives its entry.
const ANY_NAME: &str = "*";

impl<'de> de::MapAccess<'de> for OneEntry<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.0.is_none() {
            return Ok(None);
        }
        let name: StrDeserializer<Error> = ANY_NAME.into_deserializer();
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let mut keys = self.0.take().expect("a value follows its key");
        seed.deserialize(keys.child(ANY_NAME))
    }
}

/// A struct's fields, each followed into.
struct Fields<'a> {
    keys: Keys<'a>,
    fields: std::slice::Iter<'static, &'static str>,
    current: &'static str,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(&field) = self.fields.next() else {
            return Ok(None);
        };
        self.current = field;
        let name: StrDeserializer<Error> = field.into_deserializer();
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(self.keys.child(self.current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_nested_array_and_distribution_keys_once() {
        let keys = known_keys();
        for key in [
            "name",
            "traffic.spike[].peak",
            "service.time",
            "service.time.dist",
            "instance.type",
            "instance.failures.at",
            "autoscaling.policy[].alarm.comparison",
            "autoscaling.policy[].steps[].lower",
            "autoscaling.warm_pool.start_time.cv",
            "purchase.spot_pools",
            "purchase.reserved[].type",
            "spot.pool[].interruption.band",
            "tiers.*.kind",
            "tiers.*.entry",
            "tiers.*.calls[].tier",
            "tiers.*.calls[].count",
            "tiers.*.autoscaling.policy[].steps[].lower",
            "tiers.*.service.time.dist",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
        }
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
    }
}
