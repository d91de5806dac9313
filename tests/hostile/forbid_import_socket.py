# expect: forbidden
import socket
print("ESCAPED")
