job "x" {
  group "g" {
    count = "three"
  }
}
