//! The compiler: AST to a compact stack bytecode, with scope analysis
//! (fast locals, cells for closures, session-wide global slots).
//!
//! The AST's depth is bounded by the parser, so recursing over it here is
//! safe; the *runtime* never recurses per Python call.

//!
//! `scope.rs` finds which names a body assigns (locals, cells, globals),
//! `stmt.rs` compiles statements, `expr.rs` expressions, `function.rs`
//! function bodies, lambdas and comprehensions.

mod expr;
mod function;
mod fuse;
mod scope;
mod stmt;

use std::rc::Rc;

use indexmap::IndexMap;
use rlm_syntax::ast::{self, Expr, Stmt};
use smol_str::SmolStr;

use crate::value::Value;

pub use crate::code::Instr;

/// What the machine runs: the code object with values for constants.
pub type Code = crate::code::CodeOf<Value>;

impl Code {
    /// A frame's own buffers: its locals, its `ncells` cells, and its
    /// operand stack, estimated at 48 bytes per instruction (the compiler
    /// does not compute the exact depth; a stack holds what the instructions
    /// before pushed, and the largest pushes, unpacking `n` targets, are
    /// followed by `n` stores).
    pub(crate) fn frame_bytes(&self, ncells: usize) -> usize {
        crate::mem::vec_block::<Option<Value>>(self.local_names.len())
            + crate::mem::vec_block::<Rc<crate::gc::store_cell::StoreCell<Option<Value>>>>(ncells)
            // Three 16-byte slots per instruction: the two 24-byte slots
            // this was set with against the real heap (`large_frames_are_charged`).
            + crate::mem::vec_block::<Value>(self.ops.len().saturating_mul(3))
    }
}

/// Interpreter-wide global slots: compiled code addresses globals by index, so a
/// function defined in one cell keeps working in the next.
#[derive(Default)]
pub struct GlobalNames {
    pub names: IndexMap<SmolStr, usize>,
}

impl GlobalNames {
    pub fn slot(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.names.get(name) {
            return i as u32;
        }
        let i = self.names.len();
        self.names.insert(SmolStr::new(name), i);
        i as u32
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    pub message: String,
    pub line: u32,
}

enum Scope {
    Local(u32),
    Cell(u32),
    Global,
}

struct FnScope {
    locals: IndexMap<SmolStr, u32>,
    cells: IndexMap<SmolStr, u32>,
    is_module: bool,
}

enum Unwind {
    Loop {
        continue_to: u32,
        breaks: Vec<usize>,
        is_for: bool,
    },
    TryBlock,
    Finally(Vec<Stmt>),
    Except,
    ExcOnStack,
    /// The body of an `async with`: its manager is on the stack, left by
    /// `AsyncExit` when a `break`, `continue` or `return` leaves it.
    AsyncWith,
}

struct CodeBuilder {
    code: Code,
    unwind: Vec<Unwind>,
}

impl CodeBuilder {
    /// The finished code, its instruction pairs fused (`fuse.rs`).
    fn finish(mut self) -> Code {
        fuse::fuse(&mut self.code.ops);
        let c = &mut self.code;
        c.plain = !c.is_async && !c.has_varargs && !c.has_varkw && c.kwonly == 0 && c.ncells == 0;
        c.frame_bytes_no_cells = c.frame_bytes(0);
        self.code
    }
}

pub struct Compiler<'a> {
    globals: &'a mut GlobalNames,
    line_starts: Vec<usize>,
    scopes: Vec<FnScope>,
    builders: Vec<CodeBuilder>,
    cur_line: u32,
    /// The expression being compiled sits where an awaitable is wanted (see
    /// `Instr::Defer`); taken by `expr`.
    defer_calls: bool,
    /// The elements of the display or comprehension being compiled sit
    /// where awaitables are wanted (`gather(*[llm_query(p) for p in ps])`).
    defer_elements: bool,
}

type CResult<T = ()> = Result<T, CompileError>;

/// Compile one cell.
/// Compiles a cell. With `keep_last`, a last statement that is an expression
/// stores its value in that global instead of dropping it.
pub fn compile_module(
    module: &ast::Module,
    source: &str,
    globals: &mut GlobalNames,
    keep_last: Option<&str>,
) -> Result<Rc<Code>, CompileError> {
    let mut line_starts = vec![0];
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            line_starts.push(i + 1);
        }
    }
    let mut c = Compiler {
        globals,
        line_starts,
        scopes: Vec::new(),
        builders: Vec::new(),
        cur_line: 1,
        defer_calls: false,
        defer_elements: false,
    };
    c.scopes.push(FnScope { locals: IndexMap::new(), cells: IndexMap::new(), is_module: true });
    c.builders.push(CodeBuilder { code: new_code("<module>"), unwind: Vec::new() });
    c.builders[0].code.is_module = true;
    match (keep_last, module.body.split_last()) {
        (Some(name), Some((last, rest))) if matches!(last.kind, ast::StmtKind::Expr(_)) => {
            c.block(rest)?;
            c.set_line(last.span);
            if let ast::StmtKind::Expr(e) = &last.kind {
                c.expr(e)?;
            }
            let g = c.globals.slot(name);
            c.emit(Instr::StoreGlobal(g));
        }
        _ => c.block(&module.body)?,
    }
    c.emit(Instr::LoadNone);
    c.emit(Instr::Return);
    let b = c.builders.pop().ok_or_else(|| CompileError { message: "internal".into(), line: 0 })?;
    Ok(Rc::new(b.finish()))
}

fn new_code(name: &str) -> Code {
    Code {
        name: SmolStr::new(name),
        ops: Vec::new(),
        lines: Vec::new(),
        consts: Vec::new(),
        names: Vec::new(),
        local_names: Vec::new(),
        argcount: 0,
        kwonly: 0,
        has_varargs: false,
        has_varkw: false,
        ncells: 0,
        free_from: Vec::new(),
        param_cells: Vec::new(),
        is_async: false,
        is_module: false,
        plain: false,
        frame_bytes_no_cells: 0,
    }
}

impl<'a> Compiler<'a> {
    fn b(&mut self) -> &mut CodeBuilder {
        let n = self.builders.len() - 1;
        &mut self.builders[n]
    }

    fn emit(&mut self, op: Instr) -> usize {
        let line = self.cur_line;
        let b = self.b();
        b.code.ops.push(op);
        b.code.lines.push(line);
        b.code.ops.len() - 1
    }

    fn here(&mut self) -> u32 {
        self.b().code.ops.len() as u32
    }

    fn patch(&mut self, at: usize) {
        let target = self.here();
        let op = &mut self.b().code.ops[at];
        *op = match *op {
            Instr::Jump(_) => Instr::Jump(target),
            Instr::JumpIfFalse(_) => Instr::JumpIfFalse(target),
            Instr::JumpIfTrue(_) => Instr::JumpIfTrue(target),
            Instr::JumpIfFalseOrPop(_) => Instr::JumpIfFalseOrPop(target),
            Instr::JumpIfTrueOrPop(_) => Instr::JumpIfTrueOrPop(target),
            Instr::ForIter(_) => Instr::ForIter(target),
            Instr::SetupExcept(_) => Instr::SetupExcept(target),
            other => other,
        };
    }

    fn set_line(&mut self, span: rlm_syntax::Span) {
        let off = span.start as usize;
        let line = match self.line_starts.binary_search(&off) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.cur_line = line as u32;
    }

    fn err(&self, msg: impl Into<String>) -> CompileError {
        CompileError { message: msg.into(), line: self.cur_line }
    }

    fn konst(&mut self, v: Value) -> u32 {
        let consts = &mut self.b().code.consts;
        if let Value::Str(s) = &v {
            // Deduplicate short string constants (attribute and keyword names).
            if s.byte_len() < 64 {
                for (i, c) in consts.iter().enumerate() {
                    if let Value::Str(t) = c {
                        if t.as_str() == s.as_str() {
                            return i as u32;
                        }
                    }
                }
            }
        }
        consts.push(v);
        (consts.len() - 1) as u32
    }

    fn name_idx(&mut self, n: &str) -> u32 {
        let names = &mut self.b().code.names;
        if let Some(i) = names.iter().position(|x| x == n) {
            return i as u32;
        }
        names.push(SmolStr::new(n));
        (names.len() - 1) as u32
    }

    fn resolve(&mut self, name: &SmolStr) -> Scope {
        let depth = self.scopes.len() - 1;
        let cur = &self.scopes[depth];
        if cur.is_module {
            return Scope::Global;
        }
        if let Some(&c) = cur.cells.get(name) {
            return Scope::Cell(c);
        }
        if let Some(&l) = cur.locals.get(name) {
            return Scope::Local(l);
        }
        // A free variable: find the nearest enclosing function scope that binds it.
        let mut found = None;
        for d in (0..depth).rev() {
            let s = &self.scopes[d];
            if s.is_module {
                break;
            }
            if s.cells.contains_key(name) {
                found = Some(d);
                break;
            }
        }
        let Some(d) = found else { return Scope::Global };
        // Thread the cell through every scope between d and the current one.
        let mut outer_cell = self.scopes[d].cells[name];
        for k in d + 1..=depth {
            if let Some(&c) = self.scopes[k].cells.get(name) {
                outer_cell = c;
                continue;
            }
            let idx = self.scopes[k].cells.len() as u32;
            self.scopes[k].cells.insert(name.clone(), idx);
            self.builders[k].code.free_from.push(outer_cell);
            outer_cell = idx;
        }
        Scope::Cell(outer_cell)
    }

    fn load_name(&mut self, name: &SmolStr) {
        match self.resolve(name) {
            Scope::Local(i) => self.emit(Instr::LoadFast(i)),
            Scope::Cell(i) => self.emit(Instr::LoadCell(i)),
            Scope::Global => {
                let g = self.globals.slot(name);
                self.emit(Instr::LoadGlobal(g))
            }
        };
    }

    fn store_name(&mut self, name: &SmolStr) {
        match self.resolve(name) {
            Scope::Local(i) => self.emit(Instr::StoreFast(i)),
            Scope::Cell(i) => self.emit(Instr::StoreCell(i)),
            Scope::Global => {
                let g = self.globals.slot(name);
                self.emit(Instr::StoreGlobal(g))
            }
        };
    }
}

enum FnBody<'b> {
    Stmts(&'b [Stmt]),
    Expr(&'b Expr),
}

enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

enum SeqKind {
    List,
    Tuple,
    Set,
}
