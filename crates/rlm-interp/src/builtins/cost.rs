//! What builtins cost: the charging of the `Cost` model (`crate::cost`, re-exported
//! here) every builtin, method, module function and operator declares next to its
//! registration (the
//! `FUNCTIONS` and `TYPE_NAMES` tables here, each type's `*_COSTS` beside
//! its `*_METHODS`, each module's line in `modules/mod.rs`, the operators
//! below), and the one place that charges it, before the call dispatches:
//! fuel in proportion to the items and bytes of the arguments the work
//! walks. Work that depends on the result (the bytes a `replace` writes,
//! what an iterator yields) is charged as it proceeds by the helpers it
//! goes through (`Vm::check_str_len`, `Vm::check_len`, `Vm::iterate`).
//!
//! Rates are set so that a unit of fuel buys a few nanoseconds of work at
//! most, about what the dispatch loop spends on one instruction: the default
//! fuel then ends any loop of builtins in about as long as a loop of
//! instructions (`examples/fuel_calibration.rs` measures them;
//! docs/benchmarks/2026-11-24-issue-33-fuel-cost-table.md, "Fuel cost table and calibration"). And
//! low enough that what makes memory (a copy, a repeat) spends the memory budget before the fuel,
//! at the ratio of the limits (`tests/hostile/README.md`: 50 M fuel to 256 MiB, 0.19 units a byte;
//! a kept copy costs 1/16 unit a byte, 1 an item of 16 bytes).

pub use crate::call_cost::host_call_fuel;
pub use crate::cost::*;

/// Every entry of every cost table, by a qualified name: `builtins.sum`
/// (a function), `call.set` (a type called), `str.find` (a method, by its receiver's
/// type), `re.findall` (a module function), `operator.+`.
pub fn entries() -> Vec<(String, Cost)> {
    use crate::types::{deque, dict, list, native, set, str as str_, tuple};
    let tables: Vec<(&str, CostTable)> = vec![
        ("builtins", super::names::FUNCTIONS),
        ("call", super::constructors::CONSTRUCTORS),
        ("str", str_::methods::STR_COSTS),
        ("list", list::LIST_COSTS),
        ("dict", dict::DICT_COSTS),
        ("Counter", dict::counter::COUNTER_COSTS),
        ("OrderedDict", dict::ordered::ORDERED_COSTS),
        ("set", set::SET_COSTS),
        ("tuple", tuple::TUPLE_COSTS),
        ("deque", deque::DEQUE_COSTS),
        ("dict_keys", native::DICT_VIEW_COSTS),
        ("type", native::TYPE_METHOD_COSTS),
        ("operator", OPERATOR_COSTS),
    ];
    let modules = crate::modules::all_costs();
    tables
        .into_iter()
        .chain(modules)
        .flat_map(|(prefix, t)| t.iter().map(move |(n, c)| (format!("{prefix}.{n}"), *c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call_cost::call_fuel;
    use crate::value::*;

    use std::collections::BTreeSet;

    fn names(t: CostTable) -> BTreeSet<&'static str> {
        t.iter().map(|(n, _)| *n).collect()
    }

    fn set_of(t: &[&'static str]) -> BTreeSet<&'static str> {
        t.iter().copied().collect()
    }

    /// Every cost table but `FUNCTIONS` is sorted (looked up by binary search).
    #[test]
    fn tables_are_sorted() {
        let mut seen = BTreeSet::new();
        for (name, _) in entries() {
            assert!(seen.insert(name.clone()), "{name} has two costs");
        }
        use crate::types::{deque, dict, list, native, set, str as str_, tuple};
        let sorted: &[CostTable] = &[
            super::super::constructors::CONSTRUCTORS,
            str_::methods::STR_COSTS,
            list::LIST_COSTS,
            dict::DICT_COSTS,
            dict::counter::COUNTER_COSTS,
            set::SET_COSTS,
            tuple::TUPLE_COSTS,
            deque::DEQUE_COSTS,
            native::TYPE_METHOD_COSTS,
            OPERATOR_COSTS,
        ];
        for t in sorted.iter().chain(crate::modules::all_costs().iter().map(|(_, t)| t)) {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "not sorted: {:?}", names(t));
        }
    }

    /// Each type's cost table names exactly the methods its `*_METHODS`
    /// registers, and each native object's its method names.
    #[test]
    fn every_method_has_a_cost() {
        use crate::modules::datetime::{date_time, timedelta};
        use crate::types::{deque, dict, list, native, set, str as str_, tuple};
        let pairs: Vec<(&str, &[&'static str], CostTable)> = vec![
            ("str", str_::methods::STR_METHODS, str_::methods::STR_COSTS),
            ("list", list::LIST_METHODS, list::LIST_COSTS),
            ("dict", dict::DICT_METHODS, dict::DICT_COSTS),
            ("Counter", dict::counter::COUNTER_METHODS, dict::counter::COUNTER_COSTS),
            ("OrderedDict", dict::ordered::ORDERED_METHODS, dict::ordered::ORDERED_COSTS),
            ("set", set::SET_METHODS, set::SET_COSTS),
            ("tuple", tuple::TUPLE_METHODS, tuple::TUPLE_COSTS),
            ("deque", deque::DEQUE_METHODS, deque::DEQUE_COSTS),
            ("timedelta", timedelta::METHODS, &[("total_seconds", FREE)]),
            ("dict_keys", crate::types::dict::view::METHODS, native::DICT_VIEW_COSTS),
        ];
        for (ty, methods, costs) in pairs {
            assert_eq!(set_of(methods), names(costs), "{ty}: methods and costs differ");
        }
        // The modules' own types, each registered once (`modules::TYPES`).
        for t in crate::modules::TYPES.iter().filter(|t| !t.methods.is_empty()) {
            assert_eq!(set_of(t.methods), names(t.costs), "{}: methods and costs differ", t.name);
        }
        let at = |time_only| date_time::DateTime {
            year: 2000,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
            has_time: true,
            time_only,
        };
        for d in [at(false), at(true)] {
            let missing: Vec<_> = d
                .method_names()
                .iter()
                .filter(|m| find(native::DATETIME_COSTS, m).is_none())
                .collect();
            assert!(missing.is_empty(), "datetime methods without a cost: {missing:?}");
        }
        // The methods of type objects (`dict.fromkeys`, `datetime.strptime`).
        for t in [Ty::Dict, Ty::Str] {
            for m in crate::types::method_names(&Value::Type(t)) {
                let c = crate::types::method_cost(&Value::Type(t), m);
                assert_ne!(c, UNLISTED, "{}.{m} has no cost", t.name());
            }
        }
    }

    /// Every builtin function, every type a program can call, and every
    /// module's functions have a cost, and no table names a function that
    /// does not exist.
    #[test]
    fn every_function_and_type_has_a_cost() {
        let constructors = super::super::constructors::CONSTRUCTORS;
        let mut types_called = BTreeSet::new();
        let check_type = |t: Ty, types_called: &mut BTreeSet<&'static str>| {
            // Exceptions are free; of the other named types only the ones
            // `constructors::construct` makes can be called (`re.Pattern` cannot).
            let callable = match t {
                Ty::Exc(_) => false,
                Ty::Other(n) => matches!(*n, "datetime" | "date" | "time" | "timedelta"),
                _ => true,
            };
            if callable {
                assert!(find(constructors, t.name()).is_some(), "{} has no cost", t.name());
                types_called.insert(t.name());
            }
        };
        for name in super::super::names::TYPE_NAMES {
            match super::super::lookup_builtin(name) {
                Some(Value::Type(t)) => check_type(t, &mut types_called),
                Some(Value::None) => {}
                other => panic!("{name} is not a type: {other:?}"),
            }
        }
        for (name, _) in super::super::names::FUNCTIONS {
            // `range` is listed for name suggestions; calling it calls the type.
            let found = super::super::lookup_builtin(name);
            assert!(matches!(found, Some(Value::Builtin(_) | Value::Type(_))), "{name}: {found:?}");
        }
        let mut mismatches = Vec::new();
        for (module, attrs) in crate::modules::all_attrs() {
            let costs = crate::modules::costs(module);
            let mut functions = BTreeSet::new();
            for (_, v) in attrs {
                match v {
                    Value::Builtin(b) => {
                        functions.insert(b.name.to_string());
                    }
                    Value::Type(t) => check_type(t, &mut types_called),
                    _ => {}
                }
            }
            let declared: BTreeSet<String> = costs.iter().map(|(n, _)| n.to_string()).collect();
            if functions != declared {
                mismatches.push(format!(
                    "module {module}: without a cost {:?}, costs of nothing {:?}",
                    functions.difference(&declared).collect::<Vec<_>>(),
                    declared.difference(&functions).collect::<Vec<_>>()
                ));
            }
        }
        assert!(mismatches.is_empty(), "{mismatches:#?}");
        // Types called by module attributes (`collections.Counter`, `datetime.date`...).
        let listed = names(constructors);
        let called: BTreeSet<&str> = types_called.into_iter().collect();
        let extra: Vec<_> = listed.difference(&called).collect();
        assert!(extra.is_empty(), "constructor costs of no callable type: {extra:?}");
    }

    #[test]
    fn charge_is_proportional_to_the_values_named() {
        let big = Value::list(vec![Value::Int(0); 1000]);
        let s = Value::str("x".repeat(6400));
        let args = std::slice::from_ref(&s);
        assert_eq!(call_fuel(cost(Over::Recv, HASH), Some(&big), &[], u64::MAX), 12_000);
        assert_eq!(call_fuel(cost(Over::Arg(0), HASH), Some(&big), args, u64::MAX), 1600);
        assert_eq!(call_fuel(cost(Over::All, HASH), Some(&big), args, u64::MAX), 13_600);
        assert_eq!(call_fuel(FREE, Some(&big), &[], u64::MAX), 0);
        // A range past the cap is refused where it would be materialised.
        let huge = Value::Range(std::rc::Rc::new((0, 1 << 40, 1)));
        assert_eq!(call_fuel(cost(Over::Recv, HASH), Some(&huge), &[], 1 << 20), 0);
    }
}
