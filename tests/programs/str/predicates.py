samples = ["123", "12.3", "abc", "Abc", "ABC", "abc123", "", " ", " \t\n", "Hello World", "hello world", "Hello world", "٣", "½", "²", "Ⅻ", "a_b", "A1", "éè"]
for s in samples:
    print(repr(s), s.isdigit(), s.isalpha(), s.isalnum(), s.isspace(), s.isupper(), s.islower(), s.isnumeric(), s.isdecimal(), s.istitle())
