//! Conversions to text and code points: `repr`, `ascii`, `chr`, `ord`,
//! `hex`/`bin`/`oct`, `format`.

use crate::args::{as_int, nargs};
use crate::builtins::names::name_error;
use crate::fault::{Fault, R, exc, type_err, value_err};
use crate::meter::Meter;
use crate::value::*;

/// `repr`, `ascii`, `chr`, `ord`, `hex`, `bin`, `oct`, `format`.
pub(crate) fn conversion_builtin(meter: &mut Meter, name: &str, args: Vec<Value>) -> R<Value> {
    match name {
        "repr" => {
            nargs("repr", &args, 1, 1)?;
            Ok(Value::str(crate::format::repr::repr(meter, &args[0])?))
        }
        "ascii" => {
            nargs("ascii", &args, 1, 1)?;
            let text = crate::format::repr::repr(meter, &args[0])?;
            Ok(Value::str(crate::types::str::repr::ascii_escape(meter, text)?))
        }
        "chr" => {
            nargs("chr", &args, 1, 1)?;
            let Some(i) = as_int(&args[0]) else {
                return type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    args[0].type_name()
                ));
            };
            match u32::try_from(i).ok().and_then(char::from_u32) {
                Some(c) => Ok(Value::str(c.to_string())),
                // Past a C int, CPython fails converting, before the range check.
                None if i32::try_from(i).is_err() => {
                    exc(ExcKind::OverflowError, "Python int too large to convert to C int")
                }
                None => value_err("chr() arg not in range(0x110000)"),
            }
        }
        "ord" => {
            nargs("ord", &args, 1, 1)?;
            match &args[0] {
                Value::Str(s) if s.char_len() == 1 => {
                    Ok(Value::Int(s.as_str().chars().next().map_or(0, |c| c as i64)))
                }
                Value::Str(s) => type_err(format!(
                    "ord() expected a character, but string of length {} found",
                    s.char_len()
                )),
                v => type_err(format!(
                    "ord() expected string of length 1, but {} found",
                    v.type_name()
                )),
            }
        }
        "hex" | "bin" | "oct" => {
            nargs(name, &args, 1, 1)?;
            let Some(i) = as_int(&args[0]) else {
                return type_err(format!(
                    "'{}' object cannot be interpreted as an integer",
                    args[0].type_name()
                ));
            };
            let mag = i.unsigned_abs();
            let body = match name {
                "hex" => format!("0x{mag:x}"),
                "bin" => format!("0b{mag:b}"),
                _ => format!("0o{mag:o}"),
            };
            Ok(Value::str(if i < 0 { format!("-{body}") } else { body }))
        }
        "format" => {
            nargs("format", &args, 1, 2)?;
            let spec = match args.get(1) {
                Some(Value::Str(s)) => s.as_str().to_string(),
                // `_PyArg_BadArgument` names None itself, not its type.
                Some(Value::None) => return type_err("format() argument 2 must be str, not None"),
                Some(o) => {
                    return type_err(format!(
                        "format() argument 2 must be str, not {}",
                        o.type_name()
                    ));
                }
                None => String::new(),
            };
            if spec.is_empty() {
                return crate::format::repr::str_value(meter, args[0].clone());
            }
            Ok(Value::str(crate::format::spec::format_spec(meter, &args[0], &spec)?))
        }
        other => Err(Fault::Exc(name_error(other))),
    }
}
