a = <<EOT
no closing marker
  EOTX
