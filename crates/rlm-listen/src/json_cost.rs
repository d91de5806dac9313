//! What reading and parsing a JSON body costs in memory, reckoned by one
//! scan of its bytes without parsing it ([`json_parse_cost`]): every
//! listening surface charges or bounds a body by it before its framework
//! parses it (`rlm serve` charges it to a tenant's memory share, `rlm mcp`
//! refuses a message past its allowance).
//!
//! The cost is the raw bytes, every string's bytes, and what each value
//! and object entry costs as a parsed tree (`serde_json::Value` slots,
//! vector slack, map entries, small allocations rounded up). A body of one
//! long string costs about twice its length; an array of one-character
//! strings, about forty times (issue #74: a 56 MiB enum took 1.8 GB).

/// What one parsed JSON value costs beyond its text: a 32-byte slot, as
/// much again of a vector's or a map's slack, and a small string's
/// allocation rounded up to the allocator's size class.
const VALUE_BYTES: u64 = 96;
/// What one object entry costs beyond its key's text and its value: the
/// key's string header and the map's node share.
const ENTRY_BYTES: u64 = 48;

/// The bytes reading and parsing `json` takes (see the module docs).
pub fn json_parse_cost(json: &[u8]) -> u64 {
    let mut cost = json.len() as u64;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_scalar = false;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
                cost += 1;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            } else {
                cost += 1;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                in_scalar = false;
                cost += VALUE_BYTES;
            }
            b'{' | b'[' => {
                in_scalar = false;
                cost += VALUE_BYTES;
            }
            b':' => {
                in_scalar = false;
                cost += ENTRY_BYTES;
            }
            b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t' => in_scalar = false,
            _ => {
                // A number or a literal: counted once, at its first byte.
                if !in_scalar {
                    cost += VALUE_BYTES;
                    in_scalar = true;
                }
            }
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_string_costs_about_twice_its_length_and_tiny_values_many_times_theirs() {
        let one = format!("{{\"context\": \"{}\"}}", "x".repeat(1_000_000));
        let c = json_parse_cost(one.as_bytes());
        assert!((2_000_000..2_001_000).contains(&c), "{c}");
        let many: String = format!("[{}0]", "0,".repeat(500_000));
        let c = json_parse_cost(many.as_bytes());
        assert!(c > 40 * many.len() as u64, "{c} for {}", many.len());
        let escaped = r#"{"a": "x\"y\\z", "b": [true, null, -1.5e3]}"#;
        // Two entries; three strings (7 bytes of text), three scalars, an array, an object.
        let c = json_parse_cost(escaped.as_bytes());
        let expected = escaped.len() as u64 + 2 * ENTRY_BYTES + 8 * VALUE_BYTES + 7;
        assert_eq!(c, expected);
    }
}
