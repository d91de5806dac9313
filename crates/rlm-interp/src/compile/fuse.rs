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

use super::Op;

/// Rewrites `ops` in place. A pair is fused from the original first
/// instruction and either the second as fused (the three-instruction
/// forms) or its original; a fused instruction at `i + 1` (reached by a
/// jump) runs the same work either way.
pub(crate) fn fuse(ops: &mut [Op]) {
    for i in (0..ops.len().saturating_sub(1)).rev() {
        let first = original(ops[i]);
        if let Some(fused) = triple(first, ops[i + 1]).or_else(|| pair(first, original(ops[i + 1])))
        {
            ops[i] = fused;
        }
    }
}

/// The instruction a fused one replaced (its first half).
fn original(op: Op) -> Op {
    match op {
        Op::LoadFastLoadFast(a, _) => Op::LoadFast(a),
        Op::LoadGlobalLoadGlobal(a, _) => Op::LoadGlobal(a),
        Op::LoadConstBinary(c, _, _) => Op::LoadConst(c),
        Op::CompareJumpIfFalse(cmp, _) => Op::Compare(cmp),
        Op::ForIterStoreFast(t, _) => Op::ForIter(t),
        Op::ForIterStoreGlobal(t, _) => Op::ForIter(t),
        Op::LoadFastConstBinary(l, ..) => Op::LoadFast(l),
        Op::LoadGlobalConstBinary(g, ..) => Op::LoadGlobal(g),
        Op::LoadConstCompareJumpIfFalse(c, ..) => Op::LoadConst(c),
        Op::StoreFastJump(l, _) => Op::StoreFast(l),
        Op::StoreGlobalJump(g, _) => Op::StoreGlobal(g),
        other => other,
    }
}

/// A load or constant before a fused pair: one instruction of three.
fn triple(first: Op, second: Op) -> Option<Op> {
    Some(match (first, second) {
        (Op::LoadFast(l), Op::LoadConstBinary(c, op, inplace)) => {
            Op::LoadFastConstBinary(l, c, op, inplace)
        }
        (Op::LoadGlobal(g), Op::LoadConstBinary(c, op, inplace)) => {
            Op::LoadGlobalConstBinary(g, c, op, inplace)
        }
        (Op::LoadConst(c), Op::CompareJumpIfFalse(cmp, t)) => {
            Op::LoadConstCompareJumpIfFalse(c, cmp, t)
        }
        _ => return None,
    })
}

fn pair(first: Op, second: Op) -> Option<Op> {
    Some(match (first, second) {
        (Op::LoadFast(a), Op::LoadFast(b)) => Op::LoadFastLoadFast(a, b),
        (Op::LoadGlobal(a), Op::LoadGlobal(b)) => Op::LoadGlobalLoadGlobal(a, b),
        (Op::LoadConst(c), Op::Binary(op)) => Op::LoadConstBinary(c, op, false),
        (Op::LoadConst(c), Op::Inplace(op)) => Op::LoadConstBinary(c, op, true),
        (Op::Compare(cmp), Op::JumpIfFalse(t)) => Op::CompareJumpIfFalse(cmp, t),
        (Op::ForIter(t), Op::StoreFast(l)) => Op::ForIterStoreFast(t, l),
        (Op::ForIter(t), Op::StoreGlobal(g)) => Op::ForIterStoreGlobal(t, g),
        (Op::StoreFast(l), Op::Jump(t)) => Op::StoreFastJump(l, t),
        (Op::StoreGlobal(g), Op::Jump(t)) => Op::StoreGlobalJump(g, t),
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
            Op::LoadFast(0),
            Op::LoadFast(1),
            Op::LoadConst(2),
            Op::Inplace(BinOp::Add),
            Op::Compare(CmpOp::Lt),
            Op::JumpIfFalse(9),
            Op::Return,
        ];
        fuse(&mut ops);
        assert_eq!(
            ops,
            vec![
                Op::LoadFastLoadFast(0, 1),
                // A jump to the second `LoadFast` runs it and the two after
                // it (`x += 2`), as one instruction.
                Op::LoadFastConstBinary(1, 2, BinOp::Add, true),
                Op::LoadConstBinary(2, BinOp::Add, true),
                Op::Inplace(BinOp::Add),
                Op::CompareJumpIfFalse(CmpOp::Lt, 9),
                Op::JumpIfFalse(9),
                Op::Return,
            ]
        );
    }

    #[test]
    fn a_run_fuses_from_the_original_instructions() {
        let mut ops = vec![Op::LoadFast(0), Op::LoadFast(1), Op::LoadFast(2), Op::ForIter(7)];
        fuse(&mut ops);
        assert_eq!(
            ops,
            vec![
                Op::LoadFastLoadFast(0, 1),
                Op::LoadFastLoadFast(1, 2),
                Op::LoadFast(2),
                Op::ForIter(7),
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
            Op::LoadGlobal(0),
            Op::LoadConst(1),
            Op::Binary(BinOp::Mod),
            Op::LoadConst(2),
            Op::Compare(CmpOp::Eq),
            Op::JumpIfFalse(8),
            Op::StoreGlobal(3),
            Op::Jump(0),
            Op::StoreFast(4),
            Op::Jump(0),
        ];
        fuse(&mut ops);
        let again = ops.clone();
        assert_eq!(
            ops,
            vec![
                Op::LoadGlobalConstBinary(0, 1, BinOp::Mod, false),
                Op::LoadConstBinary(1, BinOp::Mod, false),
                Op::Binary(BinOp::Mod),
                Op::LoadConstCompareJumpIfFalse(2, CmpOp::Eq, 8),
                Op::CompareJumpIfFalse(CmpOp::Eq, 8),
                Op::JumpIfFalse(8),
                Op::StoreGlobalJump(3, 0),
                Op::Jump(0),
                Op::StoreFastJump(4, 0),
                Op::Jump(0),
            ]
        );
        fuse(&mut ops);
        assert_eq!(ops, again);
    }
}
