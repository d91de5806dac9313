//! The front-end columns of the knob table (`knob_table.toml`, compiled in):
//! for each knob and each [`FrontEnd`], honoured or not applicable and why.
//! The rest of each row is test data (the probes of rlm-cli's and rlm-py's
//! knob tests), ignored here. Read once, on first use; the table is part of
//! this crate's source, and its tests hold it whole (every knob one row,
//! every cell filled once), so a row that does not parse cannot ship.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::knobs::{Cell, FrontEnd};

const TABLE: &str = include_str!("../knob_table.toml");

#[derive(Debug, Deserialize)]
struct Table {
    knob: Vec<Row>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Row {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) honoured: Vec<String>,
    #[serde(default)]
    pub(crate) not_applicable: BTreeMap<String, String>,
}

/// The rows, by key (empty when the table does not parse: the tests fail then).
pub(crate) fn rows() -> &'static BTreeMap<String, Row> {
    static ROWS: LazyLock<BTreeMap<String, Row>> = LazyLock::new(|| {
        toml::from_str::<Table>(TABLE)
            .map(|t| t.knob.into_iter().map(|r| (r.key.clone(), r)).collect())
            .unwrap_or_default()
    });
    &ROWS
}

/// Whether the table parses (for the tests, with its error).
#[cfg(test)]
pub(crate) fn parse_error() -> Option<String> {
    toml::from_str::<Table>(TABLE).err().map(|e| e.to_string())
}

/// `front_end`'s cell of `key`'s row.
pub(crate) fn cell(key: &str, front_end: FrontEnd) -> Option<Cell> {
    let row = rows().get(key)?;
    let name = front_end.as_str();
    let honoured = row.honoured.iter().any(|f| f == name);
    match (honoured, row.not_applicable.get(name)) {
        (true, None) => Some(Cell::Honoured),
        (false, Some(why)) => Some(Cell::NotApplicable(why.as_str())),
        _ => None,
    }
}
