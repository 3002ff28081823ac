a = "unterminated
b = [1, 2
c = { d = 1
