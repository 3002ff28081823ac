#!/usr/bin/env bash
# e2e: client agents running real tasks. Three servers (127.0.13.1-3) and
# two client agents (127.0.13.11, .12), each its own process and data dir:
# registration with drivers, a web job of three raw_exec HTTP servers on
# dynamic ports, logs from any server (plain and -f), exec isolation and
# its memory limit, a java jar, the restart and reschedule policies,
# kill_signal then SIGKILL on stop, the GC of a stopped allocation's dir,
# bad input (a missing binary, a bad driver config, a path outside the
# alloc dir), and failures: a client killed -9 (its work moves), the
# leader killed -9 (tasks untouched), a client restarted (tasks adopted).
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
NET=${CLIENT_E2E_NET:-127.0.13} # another network: two runs at once
SERVERS=$NET.1:4647,$NET.2:4647,$NET.3:4647
printf 'server {\n  heartbeat_grace = "2s"\n  min_heartbeat_ttl = "2s"\n  failover_heartbeat_ttl = "8s"\n}\n' >"$T_TMP/hb.hcl"
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET STEPPE_LAB_ARGS="-config $T_TMP/hb.hcl"
mkdir -p "$STEPPE_LAB_DIR"
CLIENTS=()
cleanup() {
	local p
	for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null; done
	# Tasks outlive their agents by design: stop what this test started.
	pkill -f "steppe-e2e-task-$NET" 2>/dev/null
	pkill -f "executor $T_TMP" 2>/dev/null
	# Secrets dirs are tmpfs mounts while an allocation lives.
	awk -v t="$T_TMP" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
	scripts/lab.sh down >/dev/null 2>&1
	rm -rf "$T_TMP"
}
trap cleanup EXIT
A() { echo "http://$NET.$1:4646"; }
api() {
	local n q='?'
	[[ $1 == *'?'* ]] && q='&'
	for n in 1 2 3; do curl -sf --max-time 10 "$(A $n)$1${q}stale" && return 0; done
	return 1
}
printf 'client {\n  options {\n    gc_max_age = "6s"\n  }\n}\n' >"$T_TMP/client.hcl"
client_start() { # client_start N: client agent cN on $NET.(10+N)
	local n=$1
	mkdir -p "$T_TMP/c$n"
	"$S" agent -client -data-dir "$T_TMP/c$n" -bind "$NET.$((10 + n))" -node "c$n" \
		-servers "$SERVERS" -config "$T_TMP/client.hcl" >>"$T_TMP/c$n.log" 2>&1 </dev/null &
	eval "C$n=$!"
	CLIENTS+=($!)
}

t_run "lab up" 0 scripts/lab.sh up
client_start 1
client_start 2
ready_clients() { [ "$(api /v1/nodes | jq '[.[] | select(.Status == "ready")] | length')" = 2 ]; }
if t_wait 30 ready_clients; then t_ok "both clients register and are ready"; else
	t_fail "both clients register and are ready" "$(api /v1/nodes | jq -c .)" "$(tail -5 "$T_TMP/c1.log")"; fi
# No allocation exists anywhere yet: the clients' blocking pulls must wait,
# not return at once (an index of 0 made every idle client pull in a busy
# loop). A 2 s measurement window; a busy loop used a quarter of a core.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle0=$(($(cpu_ticks "$C1") + $(cpu_ticks "$C2")))
sleep 2
idle_ticks=$(($(cpu_ticks "$C1") + $(cpu_ticks "$C2") - idle0))
if [ "$idle_ticks" -le 10 ]; then t_ok "idle clients on a cluster without allocations use no CPU ($idle_ticks ticks in 2 s)"; else
	t_fail "idle clients on a cluster without allocations use no CPU" "$idle_ticks ticks (1/100 s) in 2 s for both"; fi
t_run "node status" 0 "$S" node status -address "$(A 1)"
t_match "node status lists c1 and c2 ready" 'c1 .*ready' "$T_OUT"
t_match "node status lists c2 ready" 'c2 .*ready' "$T_OUT"
C1_ID=$(api /v1/nodes | jq -r '.[] | select(.Name == "c1") | .ID')
C2_ID=$(api /v1/nodes | jq -r '.[] | select(.Name == "c2") | .ID')
t_eq "raw_exec is detected and healthy on c1" "true/true" "$(api "/v1/node/$C1_ID" | jq -r '.Drivers.raw_exec | "\(.Detected)/\(.Healthy)"')"
t_match "attributes: kernel, cpu, memory, unique address" "^linux [0-9]+ [0-9]+ ${NET//./\\.}\\.11\$" \
	"$(api "/v1/node/$C1_ID" | jq -r '.Attributes | "\(."kernel.name") \(."cpu.numcores") \(."memory.totalbytes") \(."unique.network.ip-address")"')"
t_run "node status c1 shows its drivers" 0 "$S" node status -address "$(A 1)" -verbose "$C1_ID"
t_match "node status -verbose lists raw_exec" 'raw_exec' "$T_OUT"

# ---- the walkthrough's web server: three allocations, dynamic ports ----
cat >"$T_TMP/web.py" <<'PY'
import http.server, os, sys
ip, port = os.environ["NOMAD_IP_http"], int(os.environ["NOMAD_PORT_http"])
hits = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global hits
        hits += 1
        print("hit %d" % hits, flush=True)
        body = ("%s:%d pid=%d\n" % (ip, port, os.getpid())).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
print("listening on %s:%d" % (ip, port), flush=True)
http.server.HTTPServer((ip, port), H).serve_forever()
PY
cat >"$T_TMP/web.hcl" <<JOB
job "web" {
  datacenters = ["dc1"]
  group "web" {
    count = 3
    network {
      port "http" {}
    }
    task "server" {
      driver = "raw_exec"
      config {
        command = "/usr/bin/python3"
        args    = ["$T_TMP/web.py", "steppe-e2e-task-$NET"]
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
JOB
t_run "job run web (through server 2)" 0 "$S" job run -address "$(A 2)" "$T_TMP/web.hcl"
running() { [ "$(api /v1/job/"$1"/allocations | jq '[.[] | select(.ClientStatus == "running")] | length')" = "$2" ]; }
if t_wait 30 running web 3; then t_ok "three web allocations running"; else
	t_fail "three web allocations running" "$(api /v1/job/web/allocations | jq -c 'map({ID, NodeID, ClientStatus, TaskStates})')"; fi
t_eq "web spreads over both clients" 2 "$(api /v1/job/web/allocations | jq '[.[].NodeID] | unique | length')"
ADDRS=$(for id in $(api /v1/job/web/allocations | jq -r '.[].ID'); do
	api "/v1/allocation/$id" | jq -r '.AllocatedResources.Shared.Ports[] | select(.Label == "http") | "\(.HostIP):\(.Value)"'; done)
answers=0
for a in $ADDRS; do
	if t_wait 10 curl -sf --max-time 2 "http://$a/" -o "$T_TMP/ans"; then
		grep -q "^$a pid=" "$T_TMP/ans" && answers=$((answers + 1))
	fi
done
t_eq "each allocation answers on its port with NOMAD_IP_http:NOMAD_PORT_http" 3 "$answers"
ALLOC=$(api /v1/job/web/allocations | jq -r --arg n "$C1_ID" '[.[] | select(.NodeID == $n)][0].ID')
ADDR=$(api "/v1/allocation/$ALLOC" | jq -r '.AllocatedResources.Shared.Ports[] | select(.Label == "http") | "\(.HostIP):\(.Value)"')
PID_BEFORE=$(curl -sf "http://$ADDR/" | sed 's/.*pid=//')
t_run "alloc status" 0 "$S" alloc status -address "$(A 3)" "$ALLOC"
t_match "alloc status shows the task events" 'Started +Task started by client' "$T_OUT"
t_match "alloc status shows Received" 'Received +Task received by client' "$T_OUT"
t_run "alloc logs through server 3" 0 "$S" alloc logs -address "$(A 3)" "$ALLOC"
t_match "alloc logs shows the task's stdout" "listening on $ADDR" "$T_OUT"
t_run "alloc logs -stderr" 0 "$S" alloc logs -stderr -address "$(A 1)" "$ALLOC" server
"$S" alloc logs -f -address "$(A 1)" "$ALLOC" >"$T_TMP/follow" 2>&1 &
FOLLOW=$!
t_wait 10 grep -q "listening on" "$T_TMP/follow"
curl -sf "http://$ADDR/" >/dev/null; curl -sf "http://$ADDR/" >/dev/null
if t_wait 10 grep -q "hit 3" "$T_TMP/follow"; then t_ok "alloc logs -f follows new output"; else t_fail "alloc logs -f follows new output" "$(cat "$T_TMP/follow")"; fi
kill "$FOLLOW" 2>/dev/null
LAST=$("$S" alloc logs -address "$(A 2)" "$ALLOC" | tail -1)
t_run "alloc logs -tail -n 1" 0 "$S" alloc logs -tail -n 1 -address "$(A 2)" "$ALLOC"
t_eq "the last line only" "$LAST" "$T_OUT"

# ---- the fs API is confined to the allocation directory ----------------
code() { curl -s -o "$T_TMP/body" -w '%{http_code}' "$@"; }
t_eq "fs ls of the alloc dir works" 200 "$(code "$(A 1)/v1/client/fs/ls/$ALLOC?path=/alloc/logs")"
t_match "fs ls lists the log files" 'server.stdout.0' "$(cat "$T_TMP/body")"
t_match "fs cat of a path with .. is refused" '^40[03]$' "$(code "$(A 1)/v1/client/fs/cat/$ALLOC?path=../../client/node.json")"
t_eq "fs cat of secrets/ is refused" 403 "$(code "$(A 1)/v1/client/fs/ls/$ALLOC?path=/server/secrets")"

# ---- resource usage and an in-place restart ----------------------------
t_match "allocation stats report the task's memory" '^[1-9][0-9]*$' "$(curl -sf "$(A 2)/v1/client/allocation/$ALLOC/stats" | jq -r '.Tasks.server.ResourceUsage.MemoryStats.RSS')"
OTHER=$(api /v1/job/web/allocations | jq -r --arg n "$C2_ID" '[.[] | select(.NodeID == $n)][0].ID')
OADDR=$(api "/v1/allocation/$OTHER" | jq -r '.AllocatedResources.Shared.Ports[] | select(.Label == "http") | "\(.HostIP):\(.Value)"')
OPID=$(curl -sf "http://$OADDR/" | sed 's/.*pid=//')
t_eq "restart through a server" 200 "$(code -X PUT -d '{"TaskName":"server"}' "$(A 3)/v1/client/allocation/$OTHER/restart")"
new_pid() { local p; p=$(curl -sf --max-time 1 "http://$OADDR/" | sed 's/.*pid=//'); [ -n "$p" ] && [ "$p" != "$OPID" ]; }
if t_wait 30 new_pid; then t_ok "the task runs again with a new PID"; else t_fail "the task runs again with a new PID" "$(api "/v1/allocation/$OTHER" | jq -c '.TaskStates.server.Events | map(.Type)')"; fi
signaled() { api "/v1/allocation/$OTHER" | jq -r '.TaskStates.server.Events[].Type' | grep -q 'Restart Signaled'; }
if t_wait 10 signaled; then t_ok "its events say a restart was signaled"; else t_fail "its events say a restart was signaled" "$(api "/v1/allocation/$OTHER" | jq -c '.TaskStates.server.Events | map(.Type)')"; fi

# ---- kill -9 the leader: tasks untouched, clients carry on -------------
t_run "kill -9 the leader" 0 scripts/lab.sh kill-leader
KILLED=$(sed -n 's/^killed server \([0-9]\).*/\1/p' <<<"$T_OUT")
t_eq "the task keeps its PID across a leader kill" "$PID_BEFORE" "$(curl -sf "http://$ADDR/" | sed 's/.*pid=//')"
t_run "the killed server comes back" 0 scripts/lab.sh restart "$KILLED"

# ---- restart of a client agent: its tasks are adopted ------------------
kill -TERM "$C1"; wait "$C1" 2>/dev/null
t_eq "the task runs while its client is down" "$PID_BEFORE" "$(curl -sf "http://$ADDR/" | sed 's/.*pid=//')"
client_start 1
t_wait 20 grep -q "adopted running task" "$T_TMP/c1.log"
t_match "the restarted client adopts its tasks" "adopted running task" "$(cat "$T_TMP/c1.log")"
t_eq "same PID after the client restart" "$PID_BEFORE" "$(curl -sf "http://$ADDR/" | sed 's/.*pid=//')"

# ---- exec: PID namespace, chroot, memory limit -------------------------
leader() { curl -sf --max-time 2 "$(A 1)/v1/status/leader" | grep -q 4647; }
t_wait 30 leader
cat >"$T_TMP/iso.hcl" <<'JOB'
job "iso" {
  datacenters = ["dc1"]
  type = "batch"
  group "iso" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "look" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo pid=$$; echo procs=$(ls /proc | grep -c '^[0-9]'); ls /root >/dev/null 2>&1 && echo root=visible || echo root=hidden"]
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
JOB
t_run "job run iso (exec)" 0 "$S" job run -address "$(A 1)" "$T_TMP/iso.hcl"
complete() { [ "$(api /v1/job/"$1"/allocations | jq -r '.[0].ClientStatus')" = "$2" ]; }
if t_wait 30 complete iso complete; then t_ok "the exec task completes"; else t_fail "the exec task completes" "$(api /v1/job/iso/allocations | jq -c 'map(.TaskStates)')"; fi
ISO=$(api /v1/job/iso/allocations | jq -r '.[0].ID')
t_run "alloc logs iso" 0 "$S" alloc logs -address "$(A 2)" "$ISO"
t_match "the exec task is a child of its namespace's PID 1" '^pid=2$' "$(head -1 <<<"$T_OUT")"
t_match "it sees only its own processes" 'procs=[1-6]$' "$T_OUT"
t_match "the host's /root is not in its chroot" 'root=hidden' "$T_OUT"
sed -e 's/job "iso"/job "oom"/' -e 's/group "iso"/group "oom"/' \
	-e 's|args    = \[.*\]|args = ["-c", "exec /usr/bin/python3 -c \\"x = bytearray(400 * 1024 * 1024); print(len(x))\\""]|' \
	-e 's/memory = 64/memory = 32/' "$T_TMP/iso.hcl" >"$T_TMP/oom.hcl"
t_run "job run oom (exec, 32 MB)" 0 "$S" job run -detach -address "$(A 1)" "$T_TMP/oom.hcl"
if t_wait 30 complete oom failed; then t_ok "the task over its memory limit fails"; else t_fail "the task over its memory limit fails" "$(api /v1/job/oom/allocations | jq -c 'map(.TaskStates)')"; fi
t_match "its event says it was OOM killed" 'OOM Killed' "$(api /v1/job/oom/allocations | jq -r '.[0].TaskStates[].Events[].DisplayMessage')"

# ---- java: a jar built here, jvm_options with the port -----------------
mkdir -p "$T_TMP/java"
cat >"$T_TMP/java/Hello.java" <<'JAVA'
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Hello {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(System.getProperty("server.port"));
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        s.createContext("/", x -> { byte[] b = ("hello from java on " + port + "\n").getBytes();
            x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });
        s.start();
        System.out.println("java listening on " + port);
    }
}
JAVA
( cd "$T_TMP/java" && javac Hello.java && printf 'Main-Class: Hello\n' >m.txt && jar cfm hello.jar m.txt Hello.class ) >"$T_TMP/javac.log" 2>&1
t_eq "a jar is built with the JDK" 0 $?
cat >"$T_TMP/java.hcl" <<JOB
job "java" {
  datacenters = ["dc1"]
  group "java" {
    network {
      port "web" {}
    }
    task "app" {
      driver = "java"
      artifact {
        source      = "file://$T_TMP/java/hello.jar"
        destination = "local/"
      }
      config {
        jar_path    = "local/hello.jar"
        jvm_options = ["-Xmx64m", "-Dserver.port=\${NOMAD_PORT_web}"]
      }
      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
JOB
t_run "job run java" 0 "$S" job run -address "$(A 1)" "$T_TMP/java.hcl"
t_wait 30 running java 1
JID=$(api /v1/job/java/allocations | jq -r '.[0].ID')
JPORT=$(api "/v1/allocation/$JID" | jq -r '.AllocatedResources.Shared.Ports[] | select(.Label == "web") | .Value')
if t_wait 30 curl -sf --max-time 2 "http://127.0.0.1:$JPORT/" -o "$T_TMP/jans"; then
	t_match "the jar answers on its port" "hello from java on $JPORT" "$(cat "$T_TMP/jans")"; else
	t_fail "the jar answers on its port" "alloc $JID port $JPORT" "$(api "/v1/allocation/$JID" | jq -c .AllocatedResources)" "$("$S" alloc logs -address "$(A 1)" "$(api /v1/job/java/allocations | jq -r '.[0].ID')" 2>&1)" "$("$S" alloc logs -stderr -address "$(A 1)" "$(api /v1/job/java/allocations | jq -r '.[0].ID')" 2>&1)"; fi

# ---- restart policy, then reschedule ------------------------------------
cat >"$T_TMP/crash.hcl" <<'JOB'
job "crash" {
  datacenters = ["dc1"]
  group "crash" {
    restart {
      attempts = 1
      delay    = "1s"
      interval = "10m"
      mode     = "fail"
    }
    reschedule {
      attempts  = 1
      interval  = "10m"
      delay     = "5s"
      unlimited = false
    }
    task "crash" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo crashing; exit 3"]
      }
    }
  }
}
JOB
t_run "job run crash" 0 "$S" job run -detach -address "$(A 1)" "$T_TMP/crash.hcl"
two_failed() { [ "$(api /v1/job/crash/allocations | jq '[.[] | select(.ClientStatus == "failed")] | length')" = 2 ]; }
if t_wait 60 two_failed; then t_ok "the crashing allocation fails, is rescheduled once, and fails again"; else
	t_fail "the crashing allocation fails, is rescheduled once, and fails again" "$(api /v1/job/crash/allocations | jq -c 'map({ClientStatus, NextAllocation})')"; fi
FIRST=$(api /v1/job/crash/allocations | jq -r 'sort_by(.CreateIndex)[0].ID')
EV=$(api "/v1/allocation/$FIRST" | jq -r '.TaskStates.crash.Events[] | "\(.Type): \(.DisplayMessage)"')
t_match "it restarted once per its policy" 'Restarting: Task restarting in' "$EV"
t_match "then Nomad's Not Restarting" 'Not Restarting: Exceeded allowed attempts 1 in interval 10m0s and mode is "fail"' "$EV"
t_match "Terminated shows the exit code" 'Terminated: Exit Code: 3' "$EV"

# ---- bad input ----------------------------------------------------------
sed -e 's/job "crash"/job "nobin"/' -e 's/group "crash"/group "nobin"/' -e 's|command = "/bin/sh"|command = "/no/such/binary"|' "$T_TMP/crash.hcl" >"$T_TMP/nobin.hcl"
t_run "job run nobin" 0 "$S" job run -detach -address "$(A 1)" "$T_TMP/nobin.hcl"
nobin_event() { api /v1/job/nobin/allocations | jq -r '.[].TaskStates[]?.Events[]? | "\(.Type): \(.DisplayMessage)"' | grep -q 'Driver Failure'; }
t_wait 30 nobin_event
EV=$(api /v1/job/nobin/allocations | jq -r '.[].TaskStates[]?.Events[]? | "\(.Type): \(.DisplayMessage)"')
t_match "a missing binary: failed to start, with the OS error" 'Driver Failure: failed to start.*no such file or directory' "$EV"
t_match "and the restart policy applies" 'Restarting: Task restarting in' "$EV"
sed -e 's/job "crash"/job "badcfg"/' -e 's|command = "/bin/sh"|commnd = "/bin/sh"|' "$T_TMP/crash.hcl" >"$T_TMP/badcfg.hcl"
t_run "a bad driver config is refused at job run" 1 "$S" job run -address "$(A 1)" "$T_TMP/badcfg.hcl"
t_match "the error names the field" 'config\.commnd' "$T_OUT$T_ERR"
t_eq "and the job was not registered" 404 "$(code "$(A 1)/v1/job/badcfg")"

# ---- job stop: kill_signal, then SIGKILL after kill_timeout -------------
cat >"$T_TMP/stop.hcl" <<JOB
job "stopper" {
  datacenters = ["dc1"]
  group "stopper" {
    task "polite" {
      driver       = "raw_exec"
      kill_signal  = "SIGTERM"
      kill_timeout = "10s"
      config {
        command = "/bin/sh"
        args    = ["-c", "trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.2; done", "steppe-e2e-task-$NET"]
      }
    }
    task "stubborn" {
      driver       = "raw_exec"
      kill_timeout = "2s"
      config {
        command = "/bin/sh"
        args    = ["-c", "trap '' INT TERM; echo up; while :; do sleep 0.2; done", "steppe-e2e-task-$NET"]
      }
    }
  }
}
JOB
t_run "job run stopper" 0 "$S" job run -address "$(A 1)" "$T_TMP/stop.hcl"
t_wait 30 running stopper 1
SA=$(api /v1/job/stopper/allocations | jq -r '.[0].ID')
START=$(date +%s)
t_run "job stop stopper" 0 "$S" job stop -address "$(A 1)" stopper
t_wait 30 complete stopper complete
END=$(date +%s)
t_eq "the stopped allocation reports complete" complete "$(api "/v1/allocation/$SA" | jq -r .ClientStatus)"
t_run "alloc logs of the polite task" 0 "$S" alloc logs -address "$(A 1)" "$SA" polite
t_match "the polite task got its kill_signal" 'got TERM' "$T_OUT"
EV=$(api "/v1/allocation/$SA" | jq -r '.TaskStates.stubborn.Events[] | "\(.Type): \(.DisplayMessage)"')
t_match "the stubborn task was sent the signal and given 2s" 'Killing: Sent interrupt. Waiting 2s before force killing' "$EV"
t_match "then killed" 'Terminated: Exit Code: [0-9-]+, Signal: 9' "$EV"
if [ $((END - START)) -ge 2 ]; then t_ok "SIGKILL came after kill_timeout"; else t_fail "SIGKILL came after kill_timeout" "took $((END - START))s"; fi
SA_NODE=$(api "/v1/allocation/$SA" | jq -r .NodeID)
SA_DIR=$T_TMP/c$([ "$SA_NODE" = "$C1_ID" ] && echo 1 || echo 2)/alloc/$SA
gone() { [ ! -e "$SA_DIR" ]; }
if t_wait 90 gone; then t_ok "the stopped allocation's directory is collected"; else t_fail "the stopped allocation's directory is collected" "$(ls "$SA_DIR")"; fi

# ---- kill -9 a client: its node goes down, its work moves ---------------
kill -9 "$C2"
down() { [ "$(api "/v1/node/$C2_ID" | jq -r .Status)" = down ]; }
if t_wait 40 down; then t_ok "the killed client's node is marked down"; else t_fail "the killed client's node is marked down" "$(api "/v1/node/$C2_ID" | jq -c '{Status}')"; fi
on_c1() { [ "$(api /v1/job/web/allocations | jq --arg n "$C1_ID" '[.[] | select(.NodeID == $n and .ClientStatus == "running")] | length')" = 3 ]; }
if t_wait 40 on_c1; then t_ok "web's allocations run again on the other client"; else
	t_fail "web's allocations run again on the other client" "$(api /v1/job/web/allocations | jq -c 'map({NodeID, ClientStatus, DesiredStatus})')"; fi

# ---- the killed client comes back: what was replaced is stopped --------
OLD_ADDRS=$(api /v1/job/web/allocations | jq -r --arg n "$C2_ID" '.[] | select(.NodeID == $n) | .ID' | while read -r id; do
	api "/v1/allocation/$id" | jq -r '.AllocatedResources.Shared.Ports[] | select(.Label == "http") | "\(.HostIP):\(.Value)"'; done)
client_start 2
silent() { local a; for a in $OLD_ADDRS; do curl -sf --max-time 1 "http://$a/" >/dev/null && return 1; done; return 0; }
if t_wait 40 silent; then t_ok "the returning client stops the tasks of its replaced allocations"; else
	t_fail "the returning client stops the tasks of its replaced allocations" "$OLD_ADDRS" "$(tail -5 "$T_TMP/c2.log")"; fi
