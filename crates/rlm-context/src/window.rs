//! Fitting a prompt into a model's context window: as it is, split into
//! window-sized parts that each repeat the prompt's opening lines (where the
//! instruction usually is), or refused with the figures needed to explain why.
//! Token counts are [`rlm_types::estimate_tokens`]' estimate.

use rlm_types::estimate_tokens_for_chars;

/// The window a prompt must fit, and what to do when it does not.
#[derive(Debug, Clone, Copy)]
pub struct WindowFit<'a> {
    /// The model's window in tokens (`None`: unknown, everything fits).
    pub window: Option<u64>,
    /// Characters of the system prompt sent along.
    pub system_chars: usize,
    /// Tokens kept free for the completion.
    pub reserve_completion: u64,
    /// Split an oversized prompt into parts labelled with this template
    /// (`{i}` and `{n}` are the part's number and the count), or refuse it (`None`).
    pub split_label: Option<&'a str>,
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptFit {
    /// The prompt as it is.
    Fits(String),
    /// These parts, one call each.
    Parts(Vec<String>),
    /// Refused: too large and no splitting asked for.
    TooLarge(TooLarge),
}

/// Why a prompt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// Estimated tokens of the prompt and the system prompt.
    pub tokens: u64,
    /// Characters of the prompt.
    pub chars: u64,
    pub window: u64,
    /// Characters of text a prompt can hold with room to spare (half the room).
    pub suggested_chars: u64,
}

impl WindowFit<'_> {
    /// Checks `prompt` against the window (minus the system prompt and the completion's room).
    pub fn fit(&self, prompt: String) -> PromptFit {
        let Some(window) = self.window else { return PromptFit::Fits(prompt) };
        let prompt_chars = prompt.chars().count();
        let tokens = estimate_tokens_for_chars((prompt_chars + self.system_chars) as u64);
        let room = window.saturating_sub(self.reserve_completion);
        if tokens <= room {
            return PromptFit::Fits(prompt);
        }
        let Some(label) = self.split_label else {
            return PromptFit::TooLarge(TooLarge {
                tokens,
                chars: prompt_chars as u64,
                window,
                suggested_chars: room.saturating_mul(4).saturating_sub(self.system_chars as u64)
                    / 2,
            });
        };
        let room_chars =
            (room.saturating_mul(4) as usize).saturating_sub(self.system_chars).max(256);
        // The first lines usually hold the instruction: repeat them on every part.
        let header: String = prompt.chars().take((room_chars / 4).min(500)).collect();
        let header = match header.rfind('\n') {
            Some(i) if i > 0 => header[..i].to_string(),
            _ => header,
        };
        let body_room = room_chars.saturating_sub(header.chars().count() + 64).max(128);
        let chars: Vec<char> = prompt.chars().collect();
        let n = chars.len().div_ceil(body_room);
        let parts = chars
            .chunks(body_room)
            .enumerate()
            .map(|(i, c)| {
                let body: String = c.iter().collect();
                let tag = label.replace("{i}", &(i + 1).to_string()).replace("{n}", &n.to_string());
                if i == 0 { format!("{tag}\n{body}") } else { format!("{header}\n{tag}\n{body}") }
            })
            .collect();
        PromptFit::Parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(window: Option<u64>, split: bool) -> WindowFit<'static> {
        WindowFit {
            window,
            system_chars: 0,
            reserve_completion: 100,
            split_label: split.then_some("(part {i} of {n})"),
        }
    }

    #[test]
    fn oversized_prompts_are_refused_or_split() {
        let big = "x".repeat(10_000);
        assert_eq!(
            fit(Some(1000), false).fit(big.clone()),
            PromptFit::TooLarge(TooLarge {
                tokens: 2500,
                chars: 10_000,
                window: 1000,
                suggested_chars: 1800
            })
        );
        match fit(Some(1000), true).fit(format!("Summarise:\n{big}")) {
            PromptFit::Parts(parts) => {
                assert!(parts.len() >= 3);
                for p in &parts {
                    assert!(rlm_types::estimate_tokens(p) <= 900, "{}", p.len());
                }
                assert!(parts[0].starts_with("(part 1 of "));
                assert!(parts[1].starts_with("Summarise:\n(part 2 of "));
            }
            other => panic!("expected parts, got {other:?}"),
        }
        assert_eq!(fit(Some(1000), false).fit("hi".into()), PromptFit::Fits("hi".into()));
        assert!(matches!(fit(None, false).fit(big), PromptFit::Fits(_)));
    }
}
