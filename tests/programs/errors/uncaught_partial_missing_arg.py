from functools import partial
def area(w, h):
    return w * h
print(partial(area, 2)(3))
partial(area, h=2)()
