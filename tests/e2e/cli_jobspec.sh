#!/usr/bin/env bash
# e2e: the CLI's job-file commands on the walkthrough's examples and on bad
# input, as a user runs them.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN

t_run "version" 0 "$S" version
t_match "version names steppe" '^steppe v[0-9]+\.[0-9]+\.[0-9]+' "$T_OUT"

for c in "version" "job run" "job validate" "fmt"; do
	t_run "$c -help" 0 $S $c -help
	t_match "$c -help prints usage" "^Usage: steppe $c" "$T_OUT"
done
t_run "job without subcommand lists subcommands" 1 "$S" job
t_match "job lists run and validate" 'run .*validate|validate' "$T_ERR"
t_run "unknown flag" 1 "$S" job validate -bogus examples/hello.hcl
t_match "unknown flag is named" 'flag provided but not defined: -bogus' "$T_ERR"

for f in examples/hello.hcl examples/blueprint.hcl examples/traefik.hcl; do
	t_run "validate $f" 0 "$S" job validate "$f"
	t_match "validate $f says so" '^Job validation successful$' "$T_OUT"
done

# hello: count 3, dynamic port "http", nomad service with tags and http check
t_run "run -output hello" 0 "$S" job run -output examples/hello.hcl
hello=$T_OUT
q() { jq -c "$1" <<<"$2"; }
t_eq "hello ID" '"hello"' "$(q .Job.ID "$hello")"
t_eq "hello count" '3' "$(q '.Job.TaskGroups[0].Count' "$hello")"
t_eq "hello dynamic port" '"http"' "$(q '.Job.TaskGroups[0].Networks[0].DynamicPorts[0].Label' "$hello")"
t_eq "hello service provider" '"nomad"' "$(q '.Job.TaskGroups[0].Services[0].Provider' "$hello")"
t_eq "hello service tags" '2' "$(q '.Job.TaskGroups[0].Services[0].Tags | length' "$hello")"
t_eq "hello check type" '"http"' "$(q '.Job.TaskGroups[0].Services[0].Checks[0].Type' "$hello")"
t_eq "hello check interval in ns" '10000000000' "$(q '.Job.TaskGroups[0].Services[0].Checks[0].Interval' "$hello")"
t_eq "hello datacenters" '["dc1"]' "$(q '.Job.Datacenters' "$hello")"
t_eq "hello kill timeout default" '5000000000' "$(q '.Job.TaskGroups[0].Tasks[0].KillTimeout' "$hello")"
t_eq "hello driver" '"raw_exec"' "$(q '.Job.TaskGroups[0].Tasks[0].Driver' "$hello")"
t_eq "hello memory" '64' "$(q '.Job.TaskGroups[0].Tasks[0].Resources.MemoryMB' "$hello")"

t_run "run -output blueprint" 0 "$S" job run -output examples/blueprint.hcl
bp=$T_OUT
t_eq "blueprint namespace" '"dev"' "$(q .Job.Namespace "$bp")"
t_eq "blueprint artifact destination" '"local/app.jar"' "$(q '.Job.TaskGroups[0].Tasks[0].Artifacts[0].RelativeDest' "$bp")"
t_match "blueprint artifact source" '^"https://.*\.jar"$' "$(q '.Job.TaskGroups[0].Tasks[0].Artifacts[0].GetterSource' "$bp")"
t_eq "blueprint jvm_options keep the runtime variable" '"-Dserver.port=${NOMAD_PORT_web}"' "$(q '.Job.TaskGroups[0].Tasks[0].Config.jvm_options[2]' "$bp")"

t_run "run -output traefik" 0 "$S" job run -output examples/traefik.hcl
tr=$T_OUT
t_eq "traefik static port" '6543' "$(q '.Job.TaskGroups[0].Networks[0].ReservedPorts[0].Value' "$tr")"
t_eq "traefik identity env" 'true' "$(q '.Job.TaskGroups[0].Tasks[0].Identity.Env' "$tr")"
t_eq "traefik identity file" 'true' "$(q '.Job.TaskGroups[0].Tasks[0].Identity.File' "$tr")"
t_eq "traefik two templates" '2' "$(q '.Job.TaskGroups[0].Tasks[0].Templates | length' "$tr")"
tmpl=$(jq -r '.Job.TaskGroups[0].Tasks[0].Templates[0].EmbeddedTmpl' <<<"$tr")
t_match "traefik template keeps {{ }} actions" '\{\{- with nomadVar "nomad/jobs/traefik/traefik/server" \}\}' "$tmpl"
t_match "traefik template keeps backticks" 'Host\(`\{\{ env "NOMAD_IP_http" \}\}`\)' "$tmpl"

# Round trip: the printed request body, read back with -json, prints the same.
for f in hello blueprint traefik; do
	"$S" job run -output "examples/$f.hcl" >"$T_TMP/$f.json" 2>/dev/null
	t_run "run -json -output $f" 0 "$S" job run -json -output "$T_TMP/$f.json"
	t_eq "$f JSON round trip is stable" "$(cat "$T_TMP/$f.json")" "$T_OUT"
done

# Variables: default, -var, -var-file, NOMAD_VAR_.
cat >"$T_TMP/vars.hcl" <<'HCL'
variable "count" {
  type    = number
  default = 1
}
variable "image" {
  default = "busybox"
}
job "vars" {
  group "g" {
    count = var.count
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/echo"
        args    = ["${var.image}", "${NOMAD_ALLOC_ID}"]
      }
    }
  }
}
HCL
echo 'image = "from-file"' >"$T_TMP/vars.vf"
t_run "vars default" 0 "$S" job run -output "$T_TMP/vars.hcl"
t_eq "default count" '1' "$(q '.Job.TaskGroups[0].Count' "$T_OUT")"
t_eq "runtime variable kept" '["busybox","${NOMAD_ALLOC_ID}"]' "$(q '.Job.TaskGroups[0].Tasks[0].Config.args' "$T_OUT")"
t_run "vars -var" 0 "$S" job run -output -var count=4 -var-file "$T_TMP/vars.vf" "$T_TMP/vars.hcl"
t_eq "-var count" '4' "$(q '.Job.TaskGroups[0].Count' "$T_OUT")"
t_eq "-var-file image" '"from-file"' "$(q '.Job.TaskGroups[0].Tasks[0].Config.args[0]' "$T_OUT")"
NOMAD_VAR_image=from-env t_run "vars env" 0 "$S" job run -output "$T_TMP/vars.hcl"
t_eq "NOMAD_VAR_ image" '"from-env"' "$(q '.Job.TaskGroups[0].Tasks[0].Config.args[0]' "$T_OUT")"
t_run "undeclared -var" 1 "$S" job run -output -var nope=1 "$T_TMP/vars.hcl"
t_match "undeclared -var is named" 'nope' "$T_ERR"

# Bad input: each gives FILE:LINE:COL: message on stderr and exit 1.
bad() { # name expected-line:col regex-of-message content
	printf '%b' "$4" >"$T_TMP/$1.hcl"
	t_run "bad input: $1" 1 "$S" job validate "$T_TMP/$1.hcl"
	t_match "bad input: $1 names the place" "^$T_TMP/$1\.hcl:$2: .*$3" "$T_ERR"
}
bad missing-brace '[0-9]+:[0-9]+' 'brace|unclosed|block' 'job "x" {\n  group "g" {\n    task "t" {\n      driver = "raw_exec"\n    }\n'
bad unknown-block '3:5' 'unsupported block type "gruop"' 'job "x" {\n  group "g" {\n    gruop "h" {}\n    task "t" { driver = "raw_exec" }\n  }\n}\n'
bad count-three '3:13' 'count.*number' 'job "x" {\n  group "g" {\n    count = "three"\n    task "t" { driver = "raw_exec" }\n  }\n}\n'
bad unknown-attr '5:7' 'unsupported argument "drivr"' 'job "x" {\n  group "g" {\n    task "t" {\n      driver = "raw_exec"\n      drivr = "exec"\n    }\n  }\n}\n'
bad heredoc '[0-9]+:[0-9]+' 'heredoc' 'job "x" {\n  group "g" {\n    task "t" {\n      driver = "raw_exec"\n      template {\n        data = <<EOT\nhello\n'
bad utf8 '2:16' 'UTF-8' 'job "x" {\n  meta = {a = "\xff\xfe"}\n}\n'

# A 100 MB file is refused before it is read.
truncate -s 100M "$T_TMP/huge.hcl"
t_run "bad input: 100 MB file" 1 "$S" job validate "$T_TMP/huge.hcl"
t_match "100 MB file names the place" "^$T_TMP/huge\.hcl:1:1: .*limit" "$T_ERR"

# Validation problems are all reported, with their paths.
cat >"$T_TMP/invalid.hcl" <<'HCL'
job "x" {
  group "web" {
    count = -1
    task "server" {
      resources {
        memory = 1
      }
    }
  }
}
HCL
t_run "invalid job" 1 "$S" job validate "$T_TMP/invalid.hcl"
t_match "missing driver with its path" 'group "web": task "server": .*driver' "$T_ERR"
t_match "negative count with its path" 'group "web": .*count' "$T_ERR"
t_match "memory minimum with its path" 'task "server": .*(memory|MemoryMB)' "$T_ERR"

# fmt: the examples are canonical; a messy file is rewritten once and then
# stays the same; -check reports it.
t_run "fmt -check examples" 0 "$S" fmt -check examples/hello.hcl examples/blueprint.hcl examples/traefik.hcl examples/agent.hcl examples/policies/dev.policy.hcl
printf 'job "m" {\n      group "g" {\n  count=2\n  task "t" { driver = "raw_exec" }\n}\n}\n' >"$T_TMP/messy.hcl"
t_run "fmt -check messy" 1 "$S" fmt -check "$T_TMP/messy.hcl"
t_run "fmt messy" 0 "$S" fmt "$T_TMP/messy.hcl"
t_match "fmt lists the file it changed" "messy.hcl" "$T_OUT"
t_run "fmt -check after fmt" 0 "$S" fmt -check "$T_TMP/messy.hcl"
t_run "formatted file still validates" 0 "$S" job validate "$T_TMP/messy.hcl"

exit $T_FAILED
