print("parsing")
n = int("twelve")
