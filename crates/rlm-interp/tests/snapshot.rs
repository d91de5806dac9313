//! A session's globals as data and back (`Interpreter::snapshot_globals`,
//! `restore_globals`): values round-trip with their sharing and cycles,
//! what has no data form is named and left out, deep and large values stop
//! at the limits with a typed error, and corrupt snapshots are errors,
//! never panics.

use rlm_interp::{
    GlobalsSnapshot, Interpreter, Limits, Outcome, SnapshotDictKind, SnapshotError, SnapshotLimits,
    SnapshotNode, restore_snapshot, snapshot_value,
};

fn run(s: &mut Interpreter, code: &str) -> String {
    match s.run_cell(code) {
        Outcome::Done => s.take_output(),
        other => panic!("{code}: {other:?}"),
    }
}

fn moved(code: &str) -> (GlobalsSnapshot, Interpreter) {
    let mut a = Interpreter::new(Limits::default());
    run(&mut a, code);
    let snap = a.snapshot_globals(&[], &SnapshotLimits::default());
    let mut b = Interpreter::new(Limits::default());
    b.restore_globals(&snap, &SnapshotLimits::default()).unwrap();
    (snap, b)
}

#[test]
fn values_round_trip_with_their_sharing_and_cycles() {
    let (snap, mut b) = moved(
        "import collections\n\
         d = {'n': 1, 'f': 2.5, 's': 'héllo', 'none': None, 't': True}\n\
         d['self'] = d\n\
         l = [d, d, (1, 'two', (3,)), {1, 2}, frozenset({'a'})]\n\
         l.append(l)\n\
         c = collections.Counter('abracadabra')\n\
         dd = collections.defaultdict(list)\n\
         dd['k'].append(1)\n\
         q = collections.deque([1, 2, 3], maxlen=3)\n\
         r = range(2, 10, 3)\n\
         keys = {(1, 2): 'pair', frozenset({3}): 'fs'}\n\
         nan = float('nan')\n",
    );
    assert!(snap.lost.is_empty(), "{:?}", snap.lost);
    let out = run(
        &mut b,
        "print(d['self'] is d, l[0] is l[1], l[0] is d, l[5] is l)\n\
         print(d['n'], d['f'], d['s'], d['none'], d['t'])\n\
         print(l[2], sorted(l[3]), l[4])\n\
         print(c.most_common(2), c['zzz'])\n\
         dd['new'].append(2)\n\
         print(dict(dd))\n\
         q.append(4)\n\
         print(list(q), list(r), keys[(1, 2)], keys[frozenset({3})], nan != nan)\n",
    );
    assert_eq!(
        out,
        "True True True True\n\
         1 2.5 héllo None True\n\
         (1, 'two', (3,)) [1, 2] frozenset({'a'})\n\
         [('a', 5), ('b', 2)] 0\n\
         {'k': [1], 'new': [2]}\n\
         [2, 3, 4] [2, 5, 8] pair fs True\n"
    );
    // The bytes round-trip too (the checkpoint stores them).
    let json = serde_json::to_vec(&snap).unwrap();
    let back: GlobalsSnapshot = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, snap);
}

#[test]
fn functions_and_iterators_are_named_and_left_out_modules_imported_again() {
    let (snap, mut b) = moved(
        "import re\n\
         def f(x):\n    return x + 1\n\
         it = iter([1, 2])\n\
         holder = {'fn': f}\n\
         kept = [1, 2]\n\
         g = (x for x in [1])\n",
    );
    let lost: Vec<(&str, &str)> =
        snap.lost.iter().map(|l| (l.name.as_str(), l.reason.as_str())).collect();
    let names: Vec<&str> = lost.iter().map(|l| l.0).collect();
    assert_eq!(names, ["f", "it", "holder", "g"], "{lost:?}");
    assert!(lost[0].1.contains("'function'"), "{lost:?}");
    assert!(lost[2].1.contains("'function'"), "a function inside a dict is named: {lost:?}");
    assert_eq!(run(&mut b, "print(kept, re.findall('a', 'banana'))\n"), "[1, 2] ['a', 'a', 'a']\n");
    // What was left out is not bound.
    assert!(matches!(b.run_cell("f(1)"), Outcome::Error(_)));
}

#[test]
fn a_regex_flag_is_saved_as_its_int() {
    let (snap, mut b) = moved("import re\nflags = [re.I | re.M, re.NOFLAG]\n");
    assert!(snap.lost.is_empty(), "{:?}", snap.lost);
    assert_eq!(
        run(&mut b, "print(flags, re.findall('^a', 'A\\na', flags[0]))\n"),
        "[10, 0] ['A', 'a']\n"
    );
}

#[test]
fn deep_values_stop_at_the_depth_limit() {
    let mut s = Interpreter::new(Limits::default());
    run(&mut s, "x = []\nfor _ in range(5000):\n    x = [x]\n");
    let shallow = SnapshotLimits { max_depth: 1000, ..SnapshotLimits::default() };
    let snap = s.snapshot_globals(&[], &shallow);
    assert_eq!(snap.lost.len(), 1);
    assert_eq!(snap.lost[0].reason, SnapshotError::TooDeep(1000).to_string());
    let v = s.get_global("x").unwrap();
    assert_eq!(snapshot_value(&v, &shallow).unwrap_err(), SnapshotError::TooDeep(1000));
    // Under a limit that allows it, the walk (an explicit stack) saves and
    // restores it.
    let snap = s.snapshot_globals(&[], &SnapshotLimits::default());
    assert!(snap.lost.is_empty());
    let mut b = Interpreter::new(Limits::default());
    b.restore_globals(&snap, &SnapshotLimits::default()).unwrap();
    assert_eq!(
        run(&mut b, "n = 0\ny = x\nwhile y:\n    y = y[0]\n    n += 1\nprint(n)\n"),
        "5000\n"
    );
}

#[test]
fn large_values_stop_at_the_size_limits() {
    let mut s = Interpreter::new(Limits::default());
    run(&mut s, "big = 'x' * 100000\nmany = list(range(5000))\nsmall = 1\n");
    let tight = SnapshotLimits { max_nodes: 1000, max_bytes: 10_000, max_depth: 100 };
    let snap = s.snapshot_globals(&[], &tight);
    let names: Vec<&str> = snap.lost.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["big", "many"]);
    assert_eq!(snap.globals.len(), 1);
    let v = s.get_global("many").unwrap();
    assert_eq!(
        snapshot_value(&v, &tight).unwrap_err(),
        SnapshotError::TooLarge { what: "values", limit: 1000 }
    );
    // A snapshot over the reader's limits is refused too.
    let all = s.snapshot_globals(&[], &SnapshotLimits::default());
    assert!(matches!(restore_snapshot(&all, &tight), Err(SnapshotError::TooLarge { .. })));
}

fn snap_of(nodes: Vec<SnapshotNode>, globals: Vec<(&str, u32)>) -> GlobalsSnapshot {
    GlobalsSnapshot {
        version: 1,
        nodes,
        globals: globals.into_iter().map(|(n, i)| (n.to_string(), i)).collect(),
        lost: Vec::new(),
    }
}

#[test]
fn corrupt_snapshots_are_typed_errors() {
    let limits = SnapshotLimits::default();
    let corrupt = |snap: GlobalsSnapshot| match restore_snapshot(&snap, &limits) {
        Err(SnapshotError::Corrupt(m)) => m,
        other => panic!("{other:?}"),
    };
    use SnapshotNode as N;
    assert!(corrupt(snap_of(vec![N::List(vec![7])], vec![("a", 0)])).contains("out of range"));
    assert!(corrupt(snap_of(vec![N::Int(1)], vec![("a", 3)])).contains("out of range"));
    // A tuple that holds itself (no mutable container between) cannot exist.
    assert!(corrupt(snap_of(vec![N::Tuple(vec![0])], vec![("a", 0)])).contains("itself"));
    assert!(
        corrupt(snap_of(vec![N::Tuple(vec![1]), N::Tuple(vec![0])], vec![("a", 0)]))
            .contains("itself")
    );
    // A list as a dict key or a set element is not hashable.
    let key = snap_of(
        vec![N::Dict { kind: SnapshotDictKind::Plain, entries: vec![(1, 1)] }, N::List(vec![])],
        vec![("a", 0)],
    );
    assert!(corrupt(key).contains("not hashable"));
    let tuple_key =
        snap_of(vec![N::Set(vec![1]), N::Tuple(vec![2]), N::List(vec![])], vec![("a", 0)]);
    assert!(corrupt(tuple_key).contains("not hashable"));
    assert!(corrupt(snap_of(vec![N::Type("socket".into())], vec![("a", 0)])).contains("type"));
    assert!(corrupt(snap_of(vec![N::Range(0, 1, 0)], vec![("a", 0)])).contains("range"));
    let newer = GlobalsSnapshot { version: 99, ..GlobalsSnapshot::default() };
    assert_eq!(
        restore_snapshot(&newer, &limits).unwrap_err(),
        SnapshotError::Version { found: 99 }
    );
    // A failed restore binds nothing.
    let mut s = Interpreter::new(Limits::default());
    let half = snap_of(vec![N::Int(1), N::List(vec![9])], vec![("ok", 0), ("bad", 1)]);
    assert!(s.restore_globals(&half, &limits).is_err());
    assert!(s.get_global("ok").is_none());
}

#[test]
fn random_bytes_never_panic() {
    // Bytes flipped in a real snapshot's JSON: each either fails to parse or
    // restores (or fails) without a panic.
    let (snap, _) = moved("a = [1, (2, 3), {'k': {4, 5}}]\na.append(a)\nb = {'x': a}\n");
    let json = serde_json::to_vec(&snap).unwrap();
    let limits = SnapshotLimits::default();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let mut bytes = json.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % bytes.len();
            bytes[i] = b"0123456789[]{},\"x"[(seed >> 32) as usize % 17];
        }
        if let Ok(s) = serde_json::from_slice::<GlobalsSnapshot>(&bytes) {
            let _ = restore_snapshot(&s, &limits);
        }
    }
}
