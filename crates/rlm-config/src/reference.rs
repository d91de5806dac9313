//! The knob reference as a page of Markdown (`rlm config --reference`, the
//! user guide's `reference/knobs.md`): every knob by section, with its flag,
//! variable, default, the front ends that honour it and its help line. Made
//! from the table itself, so the page cannot say what the table does not.

use crate::knobs::{FrontEnd, KNOBS, Knob};

/// The page.
pub fn reference_markdown() -> String {
    let mut page = String::from(
        "# Knob reference\n\n\
         Every setting of every front end, generated from the knob table\n\
         (`crates/rlm-config`) by `rlm config --reference`. Set each by its flag, its\n\
         environment variable or its `rlm.toml` key; the first that is set wins: flag >\n\
         environment > the profile chosen by `--profile` > the file's own keys > the\n\
         default. A dotted key is a table of `rlm.toml`: `budgets.max_steps` is `max_steps`\n\
         under `[budgets]`. *Honoured by* lists the front ends that use the knob; the\n\
         others warn that it does not apply to them (`rlm config --front-end NAME` says why).\n",
    );
    let mut section = None;
    for knob in KNOBS {
        let this = knob.key.split_once('.').map(|(table, _)| table);
        if section != Some(this) {
            section = Some(this);
            let title = this.map_or_else(|| "Top level".to_string(), |t| format!("`[{t}]`"));
            page += &format!(
                "\n## {title}\n\n| key | flag | environment | default | honoured by | what it does |\n|---|---|---|---|---|---|\n"
            );
        }
        page += &row(knob);
    }
    page
}

fn row(knob: &Knob) -> String {
    let default = knob.default.map_or_else(|| "unset".to_string(), |f| format!("`{}`", f()));
    let honoured: Vec<&str> =
        FrontEnd::ALL.into_iter().filter(|f| f.honours(knob.key)).map(FrontEnd::as_str).collect();
    let honoured = if honoured.is_empty() { "none".to_string() } else { honoured.join(", ") };
    format!(
        "| `{}` | `--{}` | `{}` | {} | {} | {} |\n",
        knob.key,
        knob.flag,
        knob.env,
        cell_text(&default),
        honoured,
        cell_text(knob.help)
    )
}

/// A table cell's text: a `|` would end the cell.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|")
}
