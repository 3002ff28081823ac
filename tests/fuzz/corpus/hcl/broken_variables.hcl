variable "x" {
  type = number
  default = "abc"
  validation {
    condition = true
  }
}
locals {
  a = local.b
  b = local.a
}
