//! A dict's repr and its kinds' forms (`Counter({...})`,
//! `OrderedDict([...])`, `defaultdict(list, {...})`), the items one level
//! deeper in the repr walk.

use std::rc::Rc;

use crate::fault::R;
use crate::types::protocol::ReprWalk;
use crate::value::*;

/// `{k: v}` and the kinds' forms.
pub(crate) fn dict_repr<W: ReprWalk>(d: &Rc<StoreCell<Dict>>, walk: &mut W) -> R<()> {
    if !walk.enter(Rc::as_ptr(d) as *const u8 as usize) {
        walk.out().push_str("{...}");
        return Ok(());
    }
    let (items, kind): (Vec<(Value, Value)>, DictKind) = {
        let d = d.borrow();
        (d.map.iter().map(|(k, v)| (k.0.clone(), v.clone())).collect(), d.kind.clone())
    };
    let close = match &kind {
        DictKind::Plain => "}",
        DictKind::Counter => {
            if items.is_empty() {
                walk.out().push_str("Counter()");
                walk.leave();
                return Ok(());
            }
            walk.out().push_str("Counter(");
            "})"
        }
        DictKind::Ordered => {
            if items.is_empty() {
                walk.out().push_str("OrderedDict()");
                walk.leave();
                return Ok(());
            }
            walk.out().push_str("OrderedDict([");
            for (i, (k, v)) in items.iter().enumerate() {
                walk.out().push_str(if i > 0 { ", (" } else { "(" });
                walk.item(k)?;
                walk.out().push_str(", ");
                walk.item(v)?;
                walk.out().push(')');
            }
            walk.out().push_str("])");
            walk.leave();
            return Ok(());
        }
        DictKind::Default(f) => {
            walk.out().push_str("defaultdict(");
            walk.item(f)?;
            walk.out().push_str(", ");
            "})"
        }
    };
    let items = if matches!(kind, DictKind::Counter) { counter_order(items) } else { items };
    walk.out().push('{');
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            walk.out().push_str(", ");
        }
        walk.item(k)?;
        walk.out().push_str(": ");
        walk.item(v)?;
    }
    walk.out().push_str(close);
    walk.leave();
    Ok(())
}

/// The order a Counter prints its items in, as CPython's `most_common()`:
/// numbers or texts largest first (stable for ties); counts that do not
/// compare (`c['k'] = None`) make CPython's sort fail and its repr keep
/// insertion order.
fn counter_order(items: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    let numeric = items.iter().all(|(_, v)| crate::args::as_float(v).is_some());
    let texts = items.iter().all(|(_, v)| matches!(v, Value::Str(_)));
    let mut order: Vec<usize> = (0..items.len()).collect();
    if numeric {
        let count = |i: usize| crate::args::as_float(&items[i].1).unwrap_or(0.0);
        order.sort_by(|&a, &b| {
            count(b).partial_cmp(&count(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
        });
    } else if texts {
        let text = |i: usize| match &items[i].1 {
            Value::Str(s) => s.as_str(),
            _ => "",
        };
        order.sort_by(|&a, &b| text(b).cmp(text(a)).then(a.cmp(&b)));
    }
    let mut slots: Vec<Option<(Value, Value)>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
