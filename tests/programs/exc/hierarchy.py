for exc in [KeyError("k"), IndexError("i"), ZeroDivisionError("z"), ValueError("v"), TypeError("t")]:
    try:
        raise exc
    except LookupError as e:
        print("LookupError caught", type(e).__name__)
    except ArithmeticError as e:
        print("ArithmeticError caught", type(e).__name__)
    except Exception as e:
        print("Exception caught", type(e).__name__)
print(isinstance(KeyError(), LookupError), isinstance(ValueError(), Exception))
