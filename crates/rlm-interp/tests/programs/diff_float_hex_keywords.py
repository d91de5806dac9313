# `float.fromhex` reads what `float.hex()` writes, correctly rounded (ties to
# even, subnormals, overflow), with CPython's errors and its ASCII-only
# whitespace; `float()` and `int()` refuse keywords as CPython does; a
# `-nan` keeps its sign.
import math

def show(f, *args, **kwargs):
    try:
        print(repr(f(*args, **kwargs)))
    except Exception as e:
        print(type(e).__name__, e)

for s in ["0x1p0", "0X1.8P+1", "-0x.8", "  0x1p-1074\n", "\t0x1.fffffffffffffp1023\x0c",
          "0x1.fffffffffffff8p1023", "0x1.fffffffffffff7ffp1023", "0x1p-1075", "0x1.8p-1075",
          "0x1.0000000000001p-1075", "0x1.00000000000008p0", "0x1.00000000000018p0",
          "0x" + "0" * 300 + "1p0", "0x0." + "0" * 300 + "1p1200", "1", "ab.cdp-3", "-0",
          "0x1p99999999999999999999", "0x1p-99999999999999999999", "-0x0p999999999999",
          "inf", "-Infinity", "nAn", "+nan", "0x1e", "0x3.243f6a8885a3p0"]:
    show(float.fromhex, s)
for s in ["", " ", "0x", "x1", "0x.p0", "0x1p", "0x1p+", "++1", "0x1.0.p0", "0x1 p0",
          "0x1p0 \n 0x2p0", "\x1c1.0", "\u30001.0", "0x1p\uff10", "0x\uff11p0", "infi", "nans",
          "0x1p0\x00"]:
    show(float.fromhex, s)
show(float.fromhex)
show(float.fromhex, "1", "2")
show(float.fromhex, s="1")
show(float.fromhex, 1)
for f in [0.1, -2.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-310, -0.0]:
    print(f.hex(), float.fromhex(f.hex()) == f)
for s in ["nan", "-nan", "+nan", "-NaN"]:
    print(s, math.copysign(1.0, float(s)), math.copysign(1.0, float.fromhex(s)))
show(float, x="3.14")
show(float, "1", x=1)
show(float, 1, 2)
show(float, "2.5")
show(int, "100", base=2)
show(int, x=1.2)
show(int, x="100", base=2)
show(int, base=10)
show(int, base=0)
show(int, "1", 2, base=2)
show(int, 1, 2, 3)
show(int, "ff", 16)
show(int, "1", base=10, y=1)
show(int)
