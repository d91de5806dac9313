# Issue #33: changing a container's size while iterating over it raises
# RuntimeError as CPython's iterators do; a sort key that changes the list
# being sorted gets ValueError (and the change is discarded).
from collections import deque

def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)

def grow_dict():
    d = {1: 1}
    for k in d:
        d[k + 1] = 1
    return d
attempt("dict grow", grow_dict)

def shrink_dict():
    d = {1: 1, 2: 2, 3: 3}
    seen = []
    for k in d:
        seen.append(k)
        del d[k]
    return seen
attempt("dict shrink", shrink_dict)

def grow_on_last():
    d = {1: 1, 2: 2}
    n = 0
    for k in d:
        n += 1
        if n == 2:
            d[9] = 9
    return n
attempt("dict grow on last", grow_on_last)

def same_size():
    d = {1: 1, 2: 2}
    for k in d:
        d[k] = k * 10
    return d
attempt("dict same size", same_size)

def view_grow(kind):
    d = {1: 1}
    view = getattr(d, kind)()
    out = []
    for x in view:
        out.append(x)
        d[len(d) + 5] = 0
    return out
attempt("keys view", lambda: view_grow("keys"))
attempt("values view", lambda: view_grow("values"))
attempt("items view", lambda: view_grow("items"))

def comprehension():
    d = {1: 1}
    return [d.setdefault(k + 1, 0) for k in d]
attempt("comprehension", comprehension)

def list_of_dict():
    d = {1: 1, 2: 2}
    for k in list(d):
        d[k + 10] = 1
    return sorted(d)
attempt("list of dict", list_of_dict)

def grow_set():
    s = {1}
    for x in s:
        s.add(x + 1)
    return s
attempt("set grow", grow_set)

def shrink_set():
    s = {1, 2, 3}
    for x in s:
        s.discard(x)
    return s
attempt("set shrink", shrink_set)

def grow_deque():
    q = deque([1])
    for x in q:
        q.append(x + 1)
    return q
attempt("deque grow", grow_deque)

def shrink_deque():
    q = deque([1, 2, 3])
    for x in q:
        q.popleft()
    return q
attempt("deque shrink", shrink_deque)

def iterator_after_error():
    d = {1: 1}
    it = iter(d)
    next(it)
    d[2] = 2
    out = []
    for _ in range(2):
        try:
            out.append(next(it))
        except RuntimeError as e:
            out.append(str(e))
    return out
attempt("after error", iterator_after_error)

def exhausted_then_changed():
    d = {1: 1}
    it = iter(d)
    out = list(it)
    d[2] = 2
    return out, list(it)
attempt("exhausted", exhausted_then_changed)

def sort_key_appends():
    xs = [3, 1, 2]
    def key(v):
        xs.append(v)
        return v
    try:
        xs.sort(key=key)
    except ValueError as e:
        return str(e), xs
    return "no error", xs
attempt("sort key appends", sort_key_appends)

def sort_key_sees_empty():
    xs = [3, 1, 2]
    lens = []
    xs.sort(key=lambda v: (lens.append(len(xs)), v)[1])
    return xs, lens
attempt("sort key sees empty", sort_key_sees_empty)

def sort_key_clears():
    xs = [3, 1, 2]
    def key(v):
        xs.clear()
        return v
    try:
        xs.sort(key=key)
    except ValueError as e:
        return str(e), xs
    return "no error", xs
attempt("sort key clears", sort_key_clears)

def sort_key_fails():
    xs = [3, 1, 2]
    def key(v):
        if v == 2:
            raise KeyError(v)
        return v
    try:
        xs.sort(key=key)
    except KeyError as e:
        return "KeyError", xs
    return "no error", xs
attempt("sort key fails", sort_key_fails)

def sorted_key_appends():
    xs = [3, 1, 2]
    def key(v):
        xs.append(v)
        return v
    return sorted(xs, key=key), len(xs)
attempt("sorted key appends", sorted_key_appends)
