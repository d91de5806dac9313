//! Compiled code: the instructions and the code object a function, lambda,
//! comprehension or module body compiles to (`compile/` makes them, `vm/`
//! runs them). Apart from the compiler, which makes values (the constants),
//! so that the value layer, whose functions and frames hold their code,
//! names no compiler (issue #59).

use rlm_syntax::ast::{BinOp, CmpOp, UnaryOp};
use smol_str::SmolStr;

/// One instruction. Operands index the code object's tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instr {
    LoadConst(u32),
    LoadNone,
    LoadFast(u32),
    StoreFast(u32),
    DeleteFast(u32),
    LoadCell(u32),
    StoreCell(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    DeleteGlobal(u32),
    LoadAttr(u32),
    StoreAttr(u32),
    Subscr,
    /// `[obj, idx, value]`.
    StoreSubscr,
    /// `[value, obj, idx]`.
    StoreSubscrAssign,
    DeleteSubscr,
    BuildSlice,
    Binary(BinOp),
    Inplace(BinOp),
    Unary(UnaryOp),
    Compare(CmpOp),
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    JumpIfFalseOrPop(u32),
    JumpIfTrueOrPop(u32),
    Pop,
    Dup,
    Dup2,
    Rot2,
    Rot3,
    BuildList(u32),
    BuildTuple(u32),
    BuildSet(u32),
    BuildDict(u32),
    ListAppend(u32),
    SetAdd(u32),
    DictSet(u32),
    ListExtend,
    SetUpdate,
    DictUpdate,
    ListToTuple,
    Unpack(u32),
    UnpackEx(u32, u32),
    GetIter,
    ForIter(u32),
    Call(u32),
    /// `argc` positional then the keyword values named by const `names`.
    CallKw(u32, u32),
    /// `[func, args_list, kwargs_dict]`.
    CallEx,
    CallMethod(u32, u32),
    MakeFunction(u32, u32, u32),
    Return,
    SetupExcept(u32),
    PopBlock,
    PopExcept,
    Raise(u32),
    Reraise,
    ExcMatch,
    FormatValue(u32, bool),
    BuildString(u32),
    Await,
    /// A generator expression's frame hands the top value to its consumer
    /// and stops there until the next item is asked for (`vm/generator.rs`).
    Yield,
    /// `[func, iterator]`: a generator object over a frame of `func` with
    /// the iterator as its argument (the body starts at the first `next`).
    MakeGenerator,
    /// The next call sits where an awaitable is wanted (`await f(...)`, an
    /// argument of `asyncio.gather`): a suspending host function called
    /// there returns an awaitable host call instead of suspending.
    Defer,
    Import(u32),
    /// `async with`'s entry: pops the manager, pushes the awaitable of its
    /// `__aenter__()`.
    AsyncEnter,
    /// `async with`'s exit: pops the exception being handled (or `None`)
    /// and the manager, pushes the awaitable of its `__aexit__(...)`, whose
    /// result is true when it suppresses the exception.
    AsyncExit,
    // Superinstructions (`fuse.rs`): each does its own work and that of the
    // instruction after it, which stays in place and is skipped.
    /// `LoadFast(a)`, `LoadFast(b)`.
    LoadFastLoadFast(u32, u32),
    /// `LoadGlobal(a)`, `LoadGlobal(b)`.
    LoadGlobalLoadGlobal(u32, u32),
    /// `LoadConst(c)`, then `Binary(op)` (or `Inplace(op)` when true).
    LoadConstBinary(u32, BinOp, bool),
    /// `Compare(op)`, `JumpIfFalse(t)`.
    CompareJumpIfFalse(CmpOp, u32),
    /// `ForIter(t)`, `StoreFast(l)`.
    ForIterStoreFast(u32, u32),
    /// `ForIter(t)`, `StoreGlobal(g)`.
    ForIterStoreGlobal(u32, u32),
    /// `LoadFast(l)`, then `LoadConstBinary(c, op, inplace)` (three
    /// instructions: `x + 1`).
    LoadFastConstBinary(u32, u32, BinOp, bool),
    /// `LoadGlobal(g)`, then `LoadConstBinary(c, op, inplace)`.
    LoadGlobalConstBinary(u32, u32, BinOp, bool),
    /// `LoadConst(c)`, then `CompareJumpIfFalse(op, t)` (three
    /// instructions: `if x == 0:`).
    LoadConstCompareJumpIfFalse(u32, CmpOp, u32),
    /// `StoreFast(l)`, `Jump(t)` (the end of a loop body).
    StoreFastJump(u32, u32),
    /// `StoreGlobal(g)`, `Jump(t)`.
    StoreGlobalJump(u32, u32),
}

/// A compiled function, lambda, comprehension or module body, whose
/// constants are `K`s: generic only so that this file names no value, since
/// the value layer's functions and frames hold their code (`compile::Code`
/// is `CodeOf<Value>`, the one instance).
pub struct CodeOf<K> {
    pub name: SmolStr,
    pub ops: Vec<Instr>,
    pub lines: Vec<u32>,
    pub consts: Vec<K>,
    pub names: Vec<SmolStr>,
    pub local_names: Vec<SmolStr>,
    pub argcount: usize,
    pub kwonly: usize,
    pub has_varargs: bool,
    pub has_varkw: bool,
    pub ncells: usize,
    pub free_from: Vec<u32>,
    /// Parameters that closures capture: copied from their slot into a cell at entry.
    pub param_cells: Vec<(u32, u32)>,
    pub is_async: bool,
    pub is_module: bool,
    /// Positional parameters only (no `*args`, `**kwargs` or keyword-only
    /// ones), no cells of its own, not async: a call may bind its arguments
    /// straight into a frame (`Vm::call_plain`). Set by `CodeBuilder::finish`.
    pub plain: bool,
    /// What a frame of this code costs with no cells (`Code::frame_bytes`),
    /// computed once by `CodeBuilder::finish`.
    pub frame_bytes_no_cells: usize,
}
