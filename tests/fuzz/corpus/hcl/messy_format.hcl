

# header comment   
job   "web"{
datacenters=["dc1" ,"dc2"]
  type =   "service" // inline

    group "g" {
  count=3
      meta { rack = "r1"}
  network {
          port "http" {   }
  }
   task "t" {
  driver="raw_exec"
  config {
    command="/bin/sh"
    args=[
   "-c",
        "echo ${NOMAD_PORT_http} $${x}",
    ]
    obj = {a=1,
    bb=[ -1 , var.x[0], var.y.z ]}
  }
      template {
   data = <<-EOT
        keep   {{ .Me }}
          as is
        EOT
   destination = "local/x"
      }
  /* block
     comment */
   }
}
}


