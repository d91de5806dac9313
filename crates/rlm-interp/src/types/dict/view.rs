//! Dict views (`d.keys()`, `d.values()`, `d.items()`): live, they read the
//! dict when used. Their items, method (`isdisjoint`) and `repr`.

use std::rc::Rc;

use crate::callbacks::Callbacks;
use crate::fault::{R, exc};
use crate::types::attr_error::qualified_type_name;
use crate::value::*;

pub(crate) const METHODS: &[&str] = &["isdisjoint"];

pub(crate) fn dict_view_method<C: Callbacks + ?Sized>(
    cx: &mut C,
    recv: &Value,
    kind: u8,
    d: &Rc<StoreCell<Dict>>,
    name: &str,
    args: Vec<Value>,
) -> R<Value> {
    match name {
        "isdisjoint" => {
            let mine = d.borrow().view_items(kind);
            let other = cx.iterate(args.first().unwrap_or(&Value::None))?;
            for o in &other {
                for m in &mine {
                    if cx.compare(rlm_syntax::ast::CmpOp::Eq, m, o)? {
                        return Ok(Value::Bool(AlignedBool(false)));
                    }
                }
            }
            Ok(Value::Bool(AlignedBool(true)))
        }
        _ => exc(
            ExcKind::AttributeError,
            format!("'{}' object has no attribute '{name}'", qualified_type_name(recv)),
        ),
    }
}
