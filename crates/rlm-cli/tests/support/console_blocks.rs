//! The user guide's shell blocks, read as a reader sees them: a ```` ```console ````
//! block holds commands after `$ ` (a line ending in `\` goes on on the next
//! line) and, under each, the output it shows. What is shown is checked; a
//! command that shows nothing is only run. In shown output, a line `...`
//! stands for any number of lines and `[..]` for any text within a line; a
//! last line `[exit N]` says the command fails with that code (every other
//! command must succeed). A ```` ```toml,file=NAME ```` block (or json, text,
//! python) is a file the page's later commands read, written where they run.
//! Fences are CommonMark's: a block opened by four backticks holds lines of
//! three.

/// One block of a page, in page order.
#[derive(Debug)]
pub enum Block {
    /// Commands to run, each with what it shows.
    Console { commands: Vec<Command> },
    /// A file written before the page's next command runs.
    File { name: String, text: String },
}

#[derive(Debug)]
pub struct Command {
    /// The page's line of its `$ `.
    pub line: usize,
    pub text: String,
    /// The output shown under it (empty: not checked).
    pub shown: Vec<String>,
    pub exit: i32,
}

/// The shell languages a page may not use: shell is written as `console`,
/// so that every command in the guide is one this runner runs.
const UNRUN_SHELLS: [&str; 4] = ["sh", "bash", "shell", "zsh"];

/// The blocks of `page`, or what is wrong with it (a shell block that is not
/// `console`, a console block with no command, a block left open).
pub fn blocks(page: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = page.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        let ticks = line[indent..].chars().take_while(|&c| c == '`').count();
        if ticks < 3 {
            continue;
        }
        let info = &line[indent + ticks..];
        let (lang, attrs) = info.split_once(',').unwrap_or((info, ""));
        let mut body = Vec::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            let t = l.trim();
            if t.len() >= ticks && t.chars().all(|c| c == '`') {
                closed = true;
                break;
            }
            body.push(dedent(l, indent).to_string());
        }
        let at = index + 1;
        if !closed {
            return Err(format!("line {at}: a block left open"));
        }
        match lang.trim() {
            "console" => out.push(Block::Console { commands: commands(&body, at)? }),
            l if UNRUN_SHELLS.contains(&l) => {
                return Err(format!(
                    "line {at}: a `{l}` block; write shell as `console` with `$ ` before each command"
                ));
            }
            "toml" | "json" | "text" | "python" => {
                if let Some(name) = attrs.split(',').find_map(|a| a.trim().strip_prefix("file=")) {
                    out.push(Block::File { name: name.to_string(), text: body.join("\n") + "\n" });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `line` without the indent of its block's fence (a block in a list item).
fn dedent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(indent)..]
}

fn commands(body: &[String], first: usize) -> Result<Vec<Command>, String> {
    let mut commands: Vec<Command> = Vec::new();
    let mut continued = false;
    for (offset, line) in body.iter().enumerate() {
        if continued {
            let last = commands.last_mut().expect("a continued command");
            last.text.push('\n');
            last.text.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(text) = line.strip_prefix("$ ") {
            let line = first + 1 + offset;
            commands.push(Command { line, text: text.to_string(), shown: Vec::new(), exit: 0 });
            continued = text.ends_with('\\');
        } else if let Some(last) = commands.last_mut() {
            last.shown.push(line.clone());
        } else {
            return Err(format!("line {first}: output before any `$ ` command: {line:?}"));
        }
    }
    if commands.is_empty() {
        return Err(format!("line {first}: a console block with no `$ ` command"));
    }
    for c in &mut commands {
        while c.shown.last().is_some_and(|l| l.trim().is_empty()) {
            c.shown.pop();
        }
        if let Some(code) = c
            .shown
            .last()
            .and_then(|l| l.trim().strip_prefix("[exit ")?.strip_suffix(']')?.parse().ok())
        {
            c.exit = code;
            c.shown.pop();
        }
    }
    Ok(commands)
}

/// Whether `output` is what `shown` shows (`...` any lines, `[..]` any text).
pub fn matches(shown: &[String], output: &str) -> bool {
    let output: Vec<&str> = output.lines().map(str::trim_end).collect();
    let shown: Vec<&str> = shown.iter().map(|l| l.trim_end()).collect();
    lines_match(&shown, &output)
}

fn lines_match(shown: &[&str], output: &[&str]) -> bool {
    match shown.split_first() {
        None => output.is_empty(),
        Some((&"...", rest)) => (0..=output.len()).any(|skip| lines_match(rest, &output[skip..])),
        Some((first, rest)) => output
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

fn line_matches(shown: &str, line: &str) -> bool {
    let mut parts = shown.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn blocks_commands_and_matching() {
    let page = "text\n```console\n$ echo a \\\n  b\na b\n$ false\n[exit 1]\n```\n```toml,file=rlm.toml\nx = 1\n```\n";
    let blocks = blocks(page).unwrap();
    let Block::Console { commands, .. } = &blocks[0] else { panic!("{blocks:?}") };
    assert_eq!(commands[0].text, "echo a \\\n  b");
    assert_eq!(
        (commands[0].line, commands[0].shown.clone(), commands[1].exit),
        (3, vec!["a b".to_string()], 1)
    );
    assert!(
        matches!(&blocks[1], Block::File { name, text } if name == "rlm.toml" && text == "x = 1\n")
    );
    assert!(self::blocks("```sh\nls\n```\n").unwrap_err().contains("`sh` block"));
    let nested =
        self::blocks("````toml,file=s.toml\nx = \'\'\'\n```repl\nprint(1)\n```\n\'\'\'\n````\n")
            .unwrap();
    assert!(
        matches!(&nested[0], Block::File { text, .. } if text.contains("```repl\nprint(1)\n```\n")),
        "{nested:?}"
    );
    let shown = ["a [..] c", "...", "z"].map(String::from);
    assert!(matches(&shown, "a b c\nx\ny\nz\n"));
    assert!(matches(&shown, "a  c\nz"));
    assert!(!matches(&shown, "a b d\nz"));
    assert!(!matches(&shown, "a b c\nx"));
    assert!(matches(&["[..]ok".to_string()], "all ok"));
}
