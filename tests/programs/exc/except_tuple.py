def trial(kind):
    try:
        if kind == 1:
            int("x")
        elif kind == 2:
            [][0]
        elif kind == 3:
            {}["k"]
        else:
            1 / 0
    except (ValueError, IndexError) as e:
        return f"VI {type(e).__name__}"
    except KeyError as e:
        return f"K {e}"
    except Exception as e:
        return f"other {type(e).__name__}: {e}"
for k in range(1, 5):
    print(trial(k))
