# expect: collection_length
# list() of an ever longer string: the list hits the collection cap long
# before the string (16x longer) hits the string cap.
s = "x"
while True:
    x = list(s)
    s = s + s
print("ESCAPED", len(x))
