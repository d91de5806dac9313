# expect: forbidden
try:
    1 / 0
except ZeroDivisionError as e:
    tb = e.__traceback__
    print("ESCAPED", tb.tb_frame.f_globals)
