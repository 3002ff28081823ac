count = 1
count = 2
meta = { a = 1, a = 2 }
