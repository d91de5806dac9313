//! Text conversions as CPython prints them: `repr`/`str` of every value
//! (`repr.rs`, which walks containers through their types' files), the
//! format-spec mini-language (`spec.rs`; a number's field laid out by
//! `number.rs`, a float's text by `dtoa.rs` over the fixed-point digits of
//! `fixed.rs`, padding by `fill.rs`), `%`-formatting (`percent.rs`) and
//! `str.format` (`fields.rs`).

mod dtoa;
pub(crate) mod fields;
pub(crate) mod fill;
mod fixed;
mod number;
pub(crate) mod percent;
pub(crate) mod repr;
pub(crate) mod spec;
