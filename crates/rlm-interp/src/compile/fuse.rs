//! Superinstructions: a pass over a finished code object that replaces an
//! instruction by one doing the work of it and the instruction after it
//! (CPython 3.11's `LOAD_FAST__LOAD_FAST` and friends). The second
//! instruction stays where it was, so a jump that lands on it still runs it
//! alone, and the fused one skips it. The code keeps its length, its line
//! table and its jump targets; only the number of dispatches falls.
//!
//! The first half of a pair always falls through to the second (or, for
//! `ForIter`, jumps past both), so running the pair is the same as running
//! the two instructions in turn. The dispatch loop charges one unit of fuel
//! per half and checks the limit between them, exactly as it does for two
//! instructions (`vm/fused.rs`).

use super::Op;

/// Rewrites `ops` in place. Each pair is fused from the original
/// instructions, so a fused instruction at `i + 1` (reached by a jump)
/// does not change what the one at `i` does.
pub(crate) fn fuse(ops: &mut [Op]) {
    for i in 0..ops.len().saturating_sub(1) {
        if let Some(fused) = pair(ops[i], original(ops[i + 1])) {
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
        other => other,
    }
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
                // A jump to the second `LoadFast` runs it and what follows.
                Op::LoadFast(1),
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
}
