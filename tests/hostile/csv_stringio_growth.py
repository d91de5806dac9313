# expect: memory|string_length
# StringIO.write in a loop: the buffer grows until a limit.
import io
f = io.StringIO()
while True:
    f.write("y" * 10000)
