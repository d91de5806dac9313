//! Text conversions as CPython prints them: `repr`/`str` of every value
//! (`repr.rs`, which walks containers through their types' files), the
//! format-spec mini-language (`spec.rs`, its fixed-point float digits in
//! `fixed.rs`), `%`-formatting (`percent.rs`) and
//! `str.format` (`fields.rs`).

mod dtoa;
pub(crate) mod fields;
mod fixed;
mod number;
pub(crate) mod percent;
pub(crate) mod repr;
pub(crate) mod spec;
pub(crate) use spec::push_fill;

pub(crate) use repr::text_lower_bound;
