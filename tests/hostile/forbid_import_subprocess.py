# expect: forbidden
import subprocess
print("ESCAPED", subprocess.run(["id"]))
