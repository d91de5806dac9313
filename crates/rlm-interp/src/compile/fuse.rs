//! Superinstructions: a pass over a finished code object that replaces an
//! instruction by one doing the work of it and the instruction after it
//! (CPython 3.11's `LOAD_FAST__LOAD_FAST` and friends). The second
//! instruction stays where it was, so a jump that lands on it still runs it
//! alone, and the fused one skips it. The code keeps its length, its line
//! table and its jump targets; only the number of dispatches falls.
//!
//! The pass runs from the last instruction to the first, so the second
//! half of a pair may itself be a fused pair: a load followed by
//! `LoadConstBinary` makes one instruction of three (`x + 1`), as does a
//! constant followed by `CompareJumpIfFalse` (`if x == 0:`).
//!
//! The first half of a pair always falls through to the second (or, for
//! `ForIter`, jumps past both), so running the pair is the same as running
//! the two instructions in turn. The dispatch loop charges one unit of fuel
//! per half and checks the limit between them, exactly as it does for two
//! instructions (`vm/fused.rs`).

use super::Instr;

/// Rewrites `ops` in place. A pair is fused from the original first
/// instruction and either the second as fused (the three-instruction
/// forms) or its original; a fused instruction at `i + 1` (reached by a
/// jump) runs the same work either way.
pub(crate) fn fuse(ops: &mut [Instr]) {
    for i in (0..ops.len().saturating_sub(1)).rev() {
        let first = original(ops[i]);
        if let Some(fused) = triple(first, ops[i + 1]).or_else(|| pair(first, original(ops[i + 1])))
        {
            ops[i] = fused;
        }
    }
}

/// The instruction a fused one replaced (its first half).
fn original(op: Instr) -> Instr {
    match op {
        Instr::LoadFastLoadFast(a, _) => Instr::LoadFast(a),
        Instr::LoadGlobalLoadGlobal(a, _) => Instr::LoadGlobal(a),
        Instr::LoadConstBinary(c, _, _) => Instr::LoadConst(c),
        Instr::CompareJumpIfFalse(cmp, _) => Instr::Compare(cmp),
        Instr::ForIterStoreFast(t, _) => Instr::ForIter(t),
        Instr::ForIterStoreGlobal(t, _) => Instr::ForIter(t),
        Instr::LoadFastConstBinary(l, ..) => Instr::LoadFast(l),
        Instr::LoadGlobalConstBinary(g, ..) => Instr::LoadGlobal(g),
        Instr::LoadConstCompareJumpIfFalse(c, ..) => Instr::LoadConst(c),
        Instr::StoreFastJump(l, _) => Instr::StoreFast(l),
        Instr::StoreGlobalJump(g, _) => Instr::StoreGlobal(g),
        other => other,
    }
}

/// A load or constant before a fused pair: one instruction of three.
fn triple(first: Instr, second: Instr) -> Option<Instr> {
    Some(match (first, second) {
        (Instr::LoadFast(l), Instr::LoadConstBinary(c, op, inplace)) => {
            Instr::LoadFastConstBinary(l, c, op, inplace)
        }
        (Instr::LoadGlobal(g), Instr::LoadConstBinary(c, op, inplace)) => {
            Instr::LoadGlobalConstBinary(g, c, op, inplace)
        }
        (Instr::LoadConst(c), Instr::CompareJumpIfFalse(cmp, t)) => {
            Instr::LoadConstCompareJumpIfFalse(c, cmp, t)
        }
        _ => return None,
    })
}

fn pair(first: Instr, second: Instr) -> Option<Instr> {
    Some(match (first, second) {
        (Instr::LoadFast(a), Instr::LoadFast(b)) => Instr::LoadFastLoadFast(a, b),
        (Instr::LoadGlobal(a), Instr::LoadGlobal(b)) => Instr::LoadGlobalLoadGlobal(a, b),
        (Instr::LoadConst(c), Instr::Binary(op)) => Instr::LoadConstBinary(c, op, false),
        (Instr::LoadConst(c), Instr::Inplace(op)) => Instr::LoadConstBinary(c, op, true),
        (Instr::Compare(cmp), Instr::JumpIfFalse(t)) => Instr::CompareJumpIfFalse(cmp, t),
        (Instr::ForIter(t), Instr::StoreFast(l)) => Instr::ForIterStoreFast(t, l),
        (Instr::ForIter(t), Instr::StoreGlobal(g)) => Instr::ForIterStoreGlobal(t, g),
        (Instr::StoreFast(l), Instr::Jump(t)) => Instr::StoreFastJump(l, t),
        (Instr::StoreGlobal(g), Instr::Jump(t)) => Instr::StoreGlobalJump(g, t),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use rlm_syntax::ast::{BinOp, CmpOp};

    use super::*;

    #[test]
    fn pairs_fuse_and_the_second_stays_in_place() {
        let mut ops = vec![
            Instr::LoadFast(0),
            Instr::LoadFast(1),
            Instr::LoadConst(2),
            Instr::Inplace(BinOp::Add),
            Instr::Compare(CmpOp::Lt),
            Instr::JumpIfFalse(9),
            Instr::Return,
        ];
        fuse(&mut ops);
        assert_eq!(
            ops,
            vec![
                Instr::LoadFastLoadFast(0, 1),
                // A jump to the second `LoadFast` runs it and the two after
                // it (`x += 2`), as one instruction.
                Instr::LoadFastConstBinary(1, 2, BinOp::Add, true),
                Instr::LoadConstBinary(2, BinOp::Add, true),
                Instr::Inplace(BinOp::Add),
                Instr::CompareJumpIfFalse(CmpOp::Lt, 9),
                Instr::JumpIfFalse(9),
                Instr::Return,
            ]
        );
    }

    #[test]
    fn a_run_fuses_from_the_original_instructions() {
        let mut ops =
            vec![Instr::LoadFast(0), Instr::LoadFast(1), Instr::LoadFast(2), Instr::ForIter(7)];
        fuse(&mut ops);
        assert_eq!(
            ops,
            vec![
                Instr::LoadFastLoadFast(0, 1),
                Instr::LoadFastLoadFast(1, 2),
                Instr::LoadFast(2),
                Instr::ForIter(7),
            ]
        );
        // A second pass changes nothing (the pass reads first halves back).
        let again = ops.clone();
        fuse(&mut ops);
        assert_eq!(ops, again);
    }

    #[test]
    fn three_instruction_forms_and_stores_before_jumps() {
        let mut ops = vec![
            Instr::LoadGlobal(0),
            Instr::LoadConst(1),
            Instr::Binary(BinOp::Mod),
            Instr::LoadConst(2),
            Instr::Compare(CmpOp::Eq),
            Instr::JumpIfFalse(8),
            Instr::StoreGlobal(3),
            Instr::Jump(0),
            Instr::StoreFast(4),
            Instr::Jump(0),
        ];
        fuse(&mut ops);
        let again = ops.clone();
        assert_eq!(
            ops,
            vec![
                Instr::LoadGlobalConstBinary(0, 1, BinOp::Mod, false),
                Instr::LoadConstBinary(1, BinOp::Mod, false),
                Instr::Binary(BinOp::Mod),
                Instr::LoadConstCompareJumpIfFalse(2, CmpOp::Eq, 8),
                Instr::CompareJumpIfFalse(CmpOp::Eq, 8),
                Instr::JumpIfFalse(8),
                Instr::StoreGlobalJump(3, 0),
                Instr::Jump(0),
                Instr::StoreFastJump(4, 0),
                Instr::Jump(0),
            ]
        );
        fuse(&mut ops);
        assert_eq!(ops, again);
    }
}
