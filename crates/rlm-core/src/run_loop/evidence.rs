//! Whether a program is evidence for a FINAL (`guards.require_program`,
//! issue #60). A small model's first reply is often `Final("10,000")`: a
//! program that computed nothing and showed the model nothing. The rule:
//!
//! - A program is [`Evidence::None`] when every statement is one of: a
//!   name bound to a *literal*; a call of `print`, `FINAL` or `FINAL_VAR`
//!   (any casing the interpreter takes: `Final`, `final_var`...) whose
//!   arguments are literals; `pass`. A literal is a constant, an f-string,
//!   list, tuple, set or dict of literals, an operator over literals, or a
//!   name the same program bound to a literal before.
//! - It is [`Evidence::Printed`] when it is literal-only as above but
//!   prints: its output is evidence from the next step on, once the model
//!   has seen it, never for a FINAL in the same program.
//! - Every other program [`Evidence::Computed`] something (it read
//!   `context`, a variable of an earlier step, called a function, looped,
//!   branched...) and is evidence at once. So is a program that does not
//!   parse (the interpreter reports its error; the guard does not judge it).
//!
//! Expressions are walked with an explicit stack, not Rust recursion.

use std::collections::HashSet;

use rlm_syntax::ast::{Constant, Expr, ExprKind, FPart, Module, Stmt, StmtKind};

/// What a program shows for a FINAL (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// Literals only: nothing computed, nothing shown.
    None,
    /// Literals only, printed: evidence once the model has seen the output.
    Printed,
    /// Something was computed or read.
    Computed,
}

/// Classifies a program by its syntax tree (`None`: it does not parse; see
/// the module docs).
pub(crate) fn of_program(module: Option<&Module>) -> Evidence {
    let Some(module) = module else { return Evidence::Computed };
    let mut literals: HashSet<&str> = HashSet::new();
    let mut printed = false;
    for stmt in &module.body {
        match statement(stmt, &literals) {
            Statement::Binds(name) => {
                literals.insert(name);
            }
            Statement::Prints => printed = true,
            Statement::Inert => {}
            Statement::Computes => return Evidence::Computed,
        }
    }
    if printed { Evidence::Printed } else { Evidence::None }
}

enum Statement<'a> {
    /// `name = <literal>`.
    Binds(&'a str),
    /// `print(<literals>)`.
    Prints,
    /// `FINAL(<literal>)`, `FINAL_VAR("name")`, `pass`.
    Inert,
    Computes,
}

fn statement<'a>(stmt: &'a Stmt, literals: &HashSet<&str>) -> Statement<'a> {
    match &stmt.kind {
        StmtKind::Pass => Statement::Inert,
        StmtKind::Assign { targets, value } if targets.len() == 1 => {
            match (&targets[0].kind, is_literal(value, literals)) {
                (ExprKind::Name(name), true) => Statement::Binds(name.as_str()),
                _ => Statement::Computes,
            }
        }
        StmtKind::Expr(Expr { kind: ExprKind::Call { func, args, keywords }, .. })
            if keywords.is_empty() =>
        {
            let ExprKind::Name(name) = &func.kind else { return Statement::Computes };
            match answer_call(name) {
                Some(AnswerCall::Print) if args.iter().all(|a| is_literal(a, literals)) => {
                    Statement::Prints
                }
                Some(AnswerCall::Final) if args.iter().all(|a| is_literal(a, literals)) => {
                    Statement::Inert
                }
                Some(AnswerCall::FinalVar) => match args.as_slice() {
                    [Expr { kind: ExprKind::Constant(Constant::Str(var)), .. }]
                        if literals.contains(var.as_str()) =>
                    {
                        Statement::Inert
                    }
                    _ => Statement::Computes,
                },
                _ => Statement::Computes,
            }
        }
        _ => Statement::Computes,
    }
}

/// Where a program's answers come from (issue #78, `ledger.rs`): whether
/// its FINAL is a literal, and the names it binds, each to a literal or not.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AnswerSites {
    /// A FINAL / FINAL_VAR of the program has a literal argument (or names a
    /// variable bound to one): its answer is written, not computed.
    pub literal_final: bool,
    /// The names the program binds, in order, with whether the value is a
    /// literal; `answer["content"] = ...` binds [`ANSWER_CONTENT`].
    pub binds: Vec<(String, bool)>,
}

/// The name `answer["content"] = ...` binds in [`AnswerSites::binds`].
pub(crate) const ANSWER_CONTENT: &str = "answer[\"content\"]";

/// Where a program's answers come from, given its syntax tree and the
/// names earlier programs bound to literals (`literal_before`). A program
/// that does not parse (`None`) answers nothing.
pub(crate) fn answer_sites(
    module: Option<&Module>,
    literal_before: &HashSet<String>,
) -> AnswerSites {
    let Some(module) = module else { return AnswerSites::default() };
    let mut literals: HashSet<&str> = literal_before.iter().map(String::as_str).collect();
    let mut sites = AnswerSites::default();
    let mut stack: Vec<&Stmt> = module.body.iter().rev().collect();
    while let Some(stmt) = stack.pop() {
        match &stmt.kind {
            StmtKind::Assign { targets, value } => {
                let literal = is_literal(value, &literals);
                for target in targets {
                    let Some(name) = bound_name(target) else { continue };
                    if literal {
                        literals.insert(name);
                    } else {
                        literals.remove(name);
                    }
                    sites.binds.push((name.to_string(), literal));
                }
            }
            StmtKind::Expr(Expr { kind: ExprKind::Call { func, args, .. }, .. }) => {
                let ExprKind::Name(name) = &func.kind else { continue };
                let literal_arg = match (answer_call(name), args.as_slice()) {
                    (Some(AnswerCall::Final), [arg]) => is_literal(arg, &literals),
                    (
                        Some(AnswerCall::FinalVar),
                        [Expr { kind: ExprKind::Constant(Constant::Str(var)), .. }],
                    ) => literals.contains(var.as_str()),
                    _ => false,
                };
                sites.literal_final |= literal_arg;
            }
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                stack.extend(orelse.iter().rev());
                stack.extend(body.iter().rev());
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                stack.extend(finalbody.iter().rev());
                stack.extend(orelse.iter().rev());
                for h in handlers.iter().rev() {
                    stack.extend(h.body.iter().rev());
                }
                stack.extend(body.iter().rev());
            }
            StmtKind::AsyncWith { body, .. } => stack.extend(body.iter().rev()),
            _ => {}
        }
    }
    sites
}

/// The name an assignment target binds: a variable, or `answer["content"]`.
fn bound_name(target: &Expr) -> Option<&str> {
    match &target.kind {
        ExprKind::Name(name) => Some(name.as_str()),
        ExprKind::Subscript { value, index } => match (&value.kind, &index.kind) {
            (ExprKind::Name(n), ExprKind::Constant(Constant::Str(key)))
                if n.as_str() == "answer" && key.as_str() == "content" =>
            {
                Some(ANSWER_CONTENT)
            }
            _ => None,
        },
        _ => None,
    }
}

enum AnswerCall {
    Print,
    Final,
    FinalVar,
}

/// The calls a literal-only program may make, by the names the interpreter
/// resolves to them.
fn answer_call(name: &str) -> Option<AnswerCall> {
    match name {
        "print" => Some(AnswerCall::Print),
        "FINAL" | "Final" | "final" => Some(AnswerCall::Final),
        "FINAL_VAR" | "Final_var" | "Final_Var" | "final_var" => Some(AnswerCall::FinalVar),
        _ => None,
    }
}

/// Whether `expr` is a literal (see the module docs).
fn is_literal(expr: &Expr, literals: &HashSet<&str>) -> bool {
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Constant(_) => {}
            ExprKind::Name(name) if literals.contains(name.as_str()) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                stack.extend(items)
            }
            ExprKind::Dict(pairs) => {
                for (key, value) in pairs {
                    let Some(key) = key else { return false };
                    stack.push(key);
                    stack.push(value);
                }
            }
            ExprKind::BinOp { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            ExprKind::UnaryOp { operand, .. } => stack.push(operand),
            ExprKind::FString(parts) => {
                for part in parts {
                    if let FPart::Field(field) = part {
                        stack.push(&field.value);
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{ANSWER_CONTENT, AnswerSites, Evidence};
    use std::collections::HashSet;

    fn of_program(code: &str) -> Evidence {
        super::of_program(rlm_syntax::parse(code).ok().as_ref())
    }

    fn answer_sites(code: &str, literal_before: &HashSet<String>) -> AnswerSites {
        super::answer_sites(rlm_syntax::parse(code).ok().as_ref(), literal_before)
    }

    #[test]
    fn a_final_s_origin_follows_its_argument_and_the_names_it_reads() {
        let none = HashSet::new();
        let literal = |code: &str| answer_sites(code, &none).literal_final;
        assert!(literal("FINAL('11,050')"));
        assert!(literal("lines = context.splitlines()\nFINAL('11,050')"));
        assert!(literal("x = 5\nif x:\n    FINAL(f'{x} items')"));
        assert!(literal("answer = '10,000'\nFINAL_VAR('answer')"));
        assert!(!literal("FINAL(len(context))"));
        assert!(!literal("for r in range(8):\n    pass\nFINAL(len(results))"));
        // A variable an earlier program bound to a literal is still one.
        let earlier: HashSet<String> = ["x".to_string()].into();
        assert!(answer_sites("FINAL(x)", &earlier).literal_final);
        assert!(!answer_sites("x = len(context)\nFINAL(x)", &earlier).literal_final);
        assert_eq!(
            answer_sites("answer['content'] = context[:5]\nfinal_answer = 'no'", &none),
            AnswerSites {
                literal_final: false,
                binds: vec![
                    (ANSWER_CONTENT.to_string(), false),
                    ("final_answer".to_string(), true)
                ],
            }
        );
    }

    #[test]
    fn a_final_of_a_literal_or_of_a_name_bound_to_one_is_no_evidence() {
        for code in [
            "FINAL(\"10,000\")",
            "Final(\"10,000\")",
            "final('x')",
            "FINAL(92865)",
            "x = 5\nFINAL(x)",
            "answer = '10,000'\nFINAL_VAR('answer')",
            "answer = '10,000'\nFinal_Var('answer')",
            "a = 2\nb = a * 3\nFINAL(f'{b} items')",
            "total = [1, 2]\nFINAL(total)",
            "pass\nFINAL({'total': 3})",
        ] {
            assert_eq!(of_program(code), Evidence::None, "{code}");
        }
    }

    #[test]
    fn printing_literals_is_evidence_once_seen() {
        assert_eq!(of_program("print(1)"), Evidence::Printed);
        assert_eq!(of_program("x = 'a'\nprint(x)\nFINAL(x)"), Evidence::Printed);
    }

    #[test]
    fn reading_the_context_an_earlier_variable_or_calling_anything_computes() {
        for code in [
            "FINAL(len(context))",
            "x = len(context)\nFINAL(x)",
            "FINAL(x)",
            "FINAL_VAR('answer')",
            "print(context[:100])",
            "x = llm_query('q')\nFINAL(x)",
            "for line in context.splitlines():\n    print(line)",
            "import re\nFINAL(re.findall('a', context))",
            "x = 5\ny = x + total\nFINAL(y)",
            "FINAL(\"unterminated",
        ] {
            assert_eq!(of_program(code), Evidence::Computed, "{code}");
        }
    }
}
