//! A serde serializer that writes block YAML straight into a string, with no tree of values in
//! between. Whether a collection is empty is only known at its end, so a collection writes its
//! opening line break when its first element arrives, and `{}` or `[]` when it ends without one.

use std::cell::RefCell;
use std::fmt::Display;
use std::ops::Range;
use std::rc::Rc;

use serde::ser::{self, Serialize, Serializer};

use super::{Context, push_indent, write_scalar};

/// Why a value cannot be written: a map key that is not a string, or an error of the value's own
/// `Serialize`.
#[derive(Debug)]
pub(crate) struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

/// Where a node is written: what precedes it on its line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// The document's root.
    Top,
    /// After `key:`.
    Value,
    /// After `- ` or after the `: ` of a complex key: a collection starts on the same line.
    Inline,
}

/// A node's position: the indentation of the collection it belongs to, and its place.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct At {
    pub(super) indent: usize,
    pub(super) place: Place,
}

impl At {
    pub(super) const TOP: At = At { indent: 0, place: Place::Top };
}

/// Writes one node at a position.
pub(super) struct Node<'a> {
    pub(super) out: &'a mut String,
    pub(super) at: At,
}

/// A value several parts of an artifact hold (the labels every recording rule of an SLO
/// carries, the alert several unit tests expect): any serializer sees the value itself, and
/// [`super::write`] writes it once per position and copies those bytes where it comes again.
#[derive(Debug)]
pub(crate) struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub(crate) fn new(value: T) -> Shared<T> {
        Shared(Rc::new(value))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

/// The name a [`Shared`] value is serialized under, as a newtype struct: other serializers
/// write what it holds; this one recognises it.
const SHARED: &str = "$idpc::Shared";

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(SHARED, &*self.0)
    }
}

/// The bytes a shared value was written as, in the document being written, by the address of
/// the value and its position: the same value at the same position is written the same.
struct Written {
    address: usize,
    at: At,
    bytes: Range<usize>,
}

thread_local! {
    /// The shared values of the document [`super::write`] is writing. A value is held by the
    /// document (an `Rc` the artifact struct owns) for the whole of the write, so its address
    /// names it alone until the write ends and this is forgotten.
    static WRITTEN: RefCell<Vec<Written>> = const { RefCell::new(Vec::new()) };
}

/// Forgets the shared values written: at the start and at the end of every document.
pub(super) fn forget_shared() {
    WRITTEN.with_borrow_mut(Vec::clear);
}

impl<'a> Node<'a> {
    /// A shared value at `address`: the bytes it was written as at this position, else written.
    fn shared<T: Serialize + ?Sized>(self, address: usize, value: &T) -> Result<(), Error> {
        let at = self.at;
        let known = WRITTEN.with_borrow(|written| {
            written.iter().find(|w| w.address == address && w.at == at).map(|w| w.bytes.clone())
        });
        if let Some(bytes) = known {
            self.out.extend_from_within(bytes);
            return Ok(());
        }
        let start = self.out.len();
        value.serialize(Node { out: &mut *self.out, at })?;
        let bytes = start..self.out.len();
        WRITTEN.with_borrow_mut(|written| written.push(Written { address, at, bytes }));
        Ok(())
    }

    /// A scalar, written as it is: a number, a boolean, `null`.
    fn raw(self, text: &str) -> Result<(), Error> {
        if self.at.place == Place::Value {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    fn string(self, text: &str) -> Result<(), Error> {
        if self.at.place == Place::Value {
            self.out.push(' ');
        }
        write_scalar(self.out, text, Context::Block, self.at.indent + 2);
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        Ok(())
    }

    fn collection(self, kind: Kind) -> Collection<'a> {
        let inner = match (kind, self.at.place) {
            (Kind::Map, Place::Top) => 0,
            (Kind::Map, _) => self.at.indent + 2,
            // In a mapping, a sequence is written at its key's indentation.
            (Kind::Seq, Place::Top | Place::Value) => self.at.indent,
            (Kind::Seq, Place::Inline) => self.at.indent + 2,
        };
        Collection { out: self.out, at: self.at, kind, inner, count: 0, key: None }
    }

    /// `{variant: …}`: a map of one entry, whose value is written by the caller at the position
    /// this returns.
    fn variant(self, variant: &str) -> Result<Node<'a>, Error> {
        let mut map = self.collection(Kind::Map);
        map.begin_entry(variant);
        let at = map.value_at();
        Ok(Node { out: map.out, at })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    Seq,
}

/// A block mapping or sequence being written.
pub(super) struct Collection<'a> {
    out: &'a mut String,
    at: At,
    kind: Kind,
    /// Where the collection's entries start.
    inner: usize,
    count: usize,
    /// The key of a map entry whose value comes next, and whether it is a complex (`? `) key.
    key: Option<bool>,
}

impl Collection<'_> {
    fn begin_item(&mut self) {
        if self.count == 0 && self.at.place == Place::Value {
            self.out.push('\n');
        }
        if self.count > 0 || self.at.place == Place::Value {
            push_indent(self.out, self.inner);
        }
        self.count += 1;
    }

    /// Writes `key:` (or `? key` and `: ` for a key that cannot be implicit).
    fn begin_entry(&mut self, key: &str) {
        self.begin_item();
        // Most keys are field names: plain, as the analysis below would find.
        if key.len() <= 128 && super::plain_word(key) {
            self.out.push_str(key);
            self.out.push(':');
            self.key = Some(false);
            return;
        }
        let simple = key.len() <= 128 && !key.chars().any(super::is_break);
        if simple {
            write_scalar(self.out, key, Context::Key, self.inner);
            self.out.push(':');
        } else {
            self.out.push_str("? ");
            write_scalar(self.out, key, Context::Block, self.inner + 2);
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            push_indent(self.out, self.inner);
            self.out.push_str(": ");
        }
        self.key = Some(!simple);
    }

    fn value_at(&self) -> At {
        let complex = self.key == Some(true);
        At { indent: self.inner, place: if complex { Place::Inline } else { Place::Value } }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.begin_item();
        self.out.push_str("- ");
        value.serialize(Node { out: self.out, at: At { indent: self.inner, place: Place::Inline } })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.begin_entry(key);
        let at = self.value_at();
        value.serialize(Node { out: self.out, at })
    }

    fn finish(self) -> Result<(), Error> {
        if self.count == 0 {
            let empty = if self.kind == Kind::Map { "{}" } else { "[]" };
            Node { out: self.out, at: self.at }.raw(empty)?;
        }
        Ok(())
    }
}

/// Integers, written in decimal.
macro_rules! integers_as_text {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> {
            self.raw(itoa::Buffer::new().format(v))
        })*
    };
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Collection<'a>;
    type SerializeTuple = Collection<'a>;
    type SerializeTupleStruct = Collection<'a>;
    type SerializeTupleVariant = Collection<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = Collection<'a>;
    type SerializeStructVariant = Collection<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.raw(if v { "true" } else { "false" })
    }
    integers_as_text!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.raw(&serde_json::Value::from(v).to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // The shortest text that reads back as the same number, as JSON writes it; a number
        // JSON cannot hold is `null`.
        self.raw(&serde_json::Value::from(v).to_string())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = self.collection(Kind::Seq);
        for byte in v {
            seq.element(byte)?;
        }
        seq.finish()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.raw("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.raw("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.raw("null")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == SHARED {
            return self.shared(std::ptr::from_ref(value).cast::<()>().addr(), value);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self.variant(variant)?)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Collection<'a>, Error> {
        Ok(self.collection(Kind::Seq))
    }
    fn serialize_tuple(self, _: usize) -> Result<Collection<'a>, Error> {
        Ok(self.collection(Kind::Seq))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Collection<'a>, Error> {
        Ok(self.collection(Kind::Seq))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Collection<'a>, Error> {
        Ok(self.variant(variant)?.collection(Kind::Seq))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapWriter<'a>, Error> {
        Ok(MapWriter { map: self.collection(Kind::Map), key: String::new() })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Collection<'a>, Error> {
        Ok(self.collection(Kind::Map))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Collection<'a>, Error> {
        Ok(self.variant(variant)?.collection(Kind::Map))
    }
}

/// The sequence-like and struct-like parts of serde's data model all write through
/// [`Collection`].
macro_rules! collection_impls {
    ($($Trait:ident :: $method:ident),* ; $($KeyedTrait:ident),*) => {
        $(impl ser::$Trait for Collection<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        })*
        $(impl ser::$KeyedTrait for Collection<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        })*
    };
}

collection_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field;
    SerializeStruct,
    SerializeStructVariant
);

/// A map: its keys are written as strings once their value arrives.
pub(super) struct MapWriter<'a> {
    map: Collection<'a>,
    key: String,
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key.clear();
        key.serialize(KeyWriter(&mut self.key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = std::mem::take(&mut self.key);
        let result = self.map.field(&key, value);
        self.key = key;
        result
    }
    fn end(self) -> Result<(), Error> {
        self.map.finish()
    }
}

/// A map key as text: strings, characters, numbers, booleans and unit variants, as JSON keys
/// take them.
struct KeyWriter<'a>(&'a mut String);

fn not_a_key() -> Error {
    Error("a map key must be a string".to_owned())
}

macro_rules! key_as_text {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> {
            self.0.push_str(&v.to_string());
            Ok(())
        })*
    };
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    key_as_text!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128
    );
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.0.push(v);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_key())
    }
}
