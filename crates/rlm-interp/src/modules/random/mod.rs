//! The `random` module: `random.Random` (`generator.rs`) over CPython's
//! Mersenne Twister (`twister.rs`), so that a seeded program draws exactly
//! what CPython 3.11 draws. As in CPython, the module's functions are the
//! bound methods of one generator, made at the module's first import in a
//! session. The sandbox has no entropy source (its results must be
//! reproducible, as it has no clock): that generator starts as
//! `random.seed(0)` leaves one, and `seed()` without a value draws its new
//! key from the generator itself.

mod generator;
mod seed;
mod twister;

use std::rc::Rc;

use smol_str::SmolStr;

pub(crate) use generator::{COSTS as METHOD_COSTS, Generator, METHODS, method};

use crate::args::{Kwargs, nargs};
use crate::callbacks::Callbacks;
use crate::cost::Over::Arg;
use crate::cost::{CostTable, NUMERAL, cost};
use crate::fault::{R, exc};
use crate::modules::function::function;
use crate::value::*;

/// The key the module's own generator starts from: `random.seed(0)`'s.
const DEFAULT_KEY: [u32; 1] = [0];

pub(crate) fn attrs() -> Vec<(&'static str, Value)> {
    let shared = Native::value(Generator::from_key(&DEFAULT_KEY));
    let mut attrs = vec![("Random", function("random", "Random"))];
    attrs.extend(
        generator::METHODS
            .iter()
            .map(|m| (*m, Value::Method(Rc::new((shared.clone(), SmolStr::new_static(m)))))),
    );
    attrs
}

/// `Random(x)` seeds as `seed(x)`; its other functions are methods.
pub(crate) const COSTS: CostTable = &[("Random", cost(Arg(0), NUMERAL))];

pub(crate) fn call<C: Callbacks + ?Sized>(
    cx: &mut C,
    name: &str,
    args: Vec<Value>,
    kwargs: Kwargs,
) -> R<Value> {
    match name {
        "Random" => {
            nargs("Random", &args, 0, 1)?;
            if let Some((k, _)) = kwargs.first() {
                return exc(
                    ExcKind::TypeError,
                    format!("Random() got an unexpected keyword argument '{k}'"),
                );
            }
            cx.meter().alloc(boxed_cost::<Generator>())?;
            let g = Generator::from_key(&DEFAULT_KEY);
            generator::seed(cx, &g, args.first(), None)?;
            Ok(Native::value(g))
        }
        _ => exc(ExcKind::AttributeError, format!("module 'random' has no attribute '{name}'")),
    }
}
