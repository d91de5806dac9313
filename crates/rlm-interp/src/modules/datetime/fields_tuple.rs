//! A tuple with named fields, as CPython's struct sequences and its
//! `IsoCalendarDate` are: `date.isocalendar()` (`datetime.IsoCalendarDate`)
//! and `date.timetuple()` (`time.struct_time`). It compares, indexes,
//! iterates and hashes as its tuple; its fields are attributes; its repr
//! names them.

use crate::cost::CostTable;
use crate::value::*;
use crate::value::{NativeObject, boxed_cost};

/// The kind of named tuple: its type's name, its repr's prefix, its fields
/// and the attributes it has besides them (always `None` here).
pub(crate) struct Kind {
    pub ty: &'static &'static str,
    pub prefix: &'static str,
    pub fields: &'static [&'static str],
    pub none_attrs: &'static [&'static str],
}

/// `datetime.IsoCalendarDate(year, week, weekday)`.
pub(crate) const ISO_CALENDAR: Kind = Kind {
    ty: &"IsoCalendarDate",
    prefix: "datetime.IsoCalendarDate",
    fields: &["year", "week", "weekday"],
    none_attrs: &[],
};

/// `time.struct_time`, of a naive date or datetime (no zone: `tm_zone` and
/// `tm_gmtoff` are `None`, `tm_isdst` is -1).
pub(crate) const STRUCT_TIME: Kind = Kind {
    ty: &"struct_time",
    prefix: "time.struct_time",
    fields: &[
        "tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday",
        "tm_isdst",
    ],
    none_attrs: &["tm_zone", "tm_gmtoff"],
};

/// A named tuple of ints.
pub(crate) struct FieldsTuple {
    kind: &'static Kind,
    tuple: Value,
}

impl FieldsTuple {
    /// The value of `kind` holding `items`, one per field.
    pub(crate) fn value(kind: &'static Kind, items: &[i64]) -> Value {
        let tuple = Value::tuple(items.iter().map(|i| Value::Int(*i)).collect());
        Native::value(FieldsTuple { kind, tuple })
    }
}

impl NativeObject for FieldsTuple {
    fn ty(&self) -> Ty {
        Ty::Other(self.kind.ty)
    }

    fn repr(&self) -> Vec<ReprPart> {
        let Value::Tuple(t) = &self.tuple else { return Vec::new() };
        let mut parts = vec![ReprPart::Text(format!("{}(", self.kind.prefix))];
        for (i, (f, v)) in self.kind.fields.iter().zip(t.iter()).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            parts.push(ReprPart::Text(format!("{sep}{f}=")));
            parts.push(ReprPart::Value(v.clone()));
        }
        parts.push(ReprPart::Text(")".to_string()));
        parts
    }

    fn attr(&self, name: &str) -> Option<Value> {
        if self.kind.none_attrs.contains(&name) {
            return Some(Value::None);
        }
        let i = self.kind.fields.iter().position(|f| *f == name)?;
        match &self.tuple {
            Value::Tuple(t) => t.get(i).cloned(),
            _ => None,
        }
    }

    fn method_names(&self) -> &'static [&'static str] {
        crate::types::tuple::TUPLE_METHODS
    }

    fn method_costs(&self) -> CostTable {
        crate::types::tuple::TUPLE_COSTS
    }

    fn mem_cost(&self) -> usize {
        boxed_cost::<FieldsTuple>()
    }

    fn as_tuple(&self) -> Option<&Value> {
        Some(&self.tuple)
    }

    fn qualified_module(&self) -> Option<&'static str> {
        self.kind.prefix.split_once('.').map(|(m, _)| m)
    }
}
