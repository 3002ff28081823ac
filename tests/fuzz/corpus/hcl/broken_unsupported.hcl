a = upper("x")
b = [for v in var.x: v]
c = var.a ? 1 : 2
d = 1 + 2
e = var.x[*].id
f = "%{ if true }y%{ endif }"
