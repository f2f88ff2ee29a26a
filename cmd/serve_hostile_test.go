package cmd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/api"
	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// The acceptance of rdnsctl serve run as a hostile checker would: zones and
// tokens of its own, the cases the issue lists that the first tests did
// not reach, each one a bug found that way.

const hostileForward = `$ORIGIN customer.example.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300
@ IN NS ns1.example.net.
mail IN A 10.60.1.44
two IN A 10.60.1.45
two IN A 10.60.1.46
`

func dynZone(origin string) string {
	return fmt.Sprintf("$ORIGIN %s\n$TTL 300\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n5 IN PTR old.customer.example.\n", origin)
}

// conflictProxy forwards DNS over TCP to a server; armed, it first runs
// an nsupdate of its own before it passes on the next UPDATE, as an
// engineer's change landing between rdnsctl's read and its write.
type conflictProxy struct {
	addr   string
	armed  atomic.Pointer[string] // an nsupdate script
	key    string
	server string
	ran    chan error
}

func startConflictProxy(t *testing.T, server, key string) *conflictProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &conflictProxy{addr: ln.Addr().String(), key: key, server: server, ran: make(chan error, 1)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *conflictProxy) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.server)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(c, up)
	for {
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		if len(msg) > 2 && (msg[2]>>3)&0xf == 5 { // opcode UPDATE
			if script := p.armed.Swap(nil); script != nil {
				host, port, _ := net.SplitHostPort(p.server)
				cmd := exec.Command("nsupdate", "-k", p.key)
				cmd.Stdin = strings.NewReader(fmt.Sprintf("server %s %s\n%s\nsend\n", host, port, *script))
				out, err := cmd.CombinedOutput()
				if err != nil {
					err = fmt.Errorf("%v: %s", err, out)
				}
				p.ran <- err
			}
		}
		if _, err := up.Write(append(l[:], msg...)); err != nil {
			return
		}
	}
}

// hostileLive is a zones directory with one file zone (10.60.1.0/24) and
// two dynamic zones on a real BIND: 9.60.10.in-addr.arpa, where the key may
// change only 5.9.60.10.in-addr.arpa (every other UPDATE is REFUSED), and
// 10.60.10.in-addr.arpa, reached through a proxy that can make a conflict.
func hostileLive(t *testing.T) (dir string, proxy *conflictProxy, named string) {
	t.Helper()
	for _, bin := range []string{"named", "tsig-keygen", "nsupdate"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: install bind9, bind9-utils and bind9-dnsutils", bin)
		}
	}
	dir = t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.10.60.1"), []byte("$ORIGIN 1.60.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. hostmaster.example.net. 2026010100 3600 600 86400 300\n@ IN NS ns1.example.net.\n5 IN PTR five.customer.example.\n"), 0o644)
	key := filepath.Join(dir, "rdnsctl.key")
	out, err := exec.Command("tsig-keygen", "-a", "hmac-sha256", "rdnsctl-key").Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(key, out, 0o600)
	bind := filepath.Join(dir, "bind")
	os.Mkdir(bind, 0o755)
	fwd := filepath.Join(bind, "customer.example.zone")
	os.WriteFile(fwd, []byte(hostileForward), 0o644)
	dyn9, dyn10 := filepath.Join(bind, "dyn9"), filepath.Join(bind, "dyn10")
	os.WriteFile(dyn9, []byte(dynZone("9.60.10.in-addr.arpa.")), 0o644)
	os.WriteFile(dyn10, []byte(dynZone("10.60.10.in-addr.arpa.")), 0o644)
	named = dnstest.StartNamedConf(t, []dnstest.Zone{
		{Origin: "customer.example", File: fwd},
		{Origin: "9.60.10.in-addr.arpa", File: dyn9, Options: "update-policy { grant rdnsctl-key name 5.9.60.10.in-addr.arpa. PTR; }; allow-transfer { key rdnsctl-key; }; "},
		{Origin: "10.60.10.in-addr.arpa", File: dyn10, Options: "update-policy { grant rdnsctl-key zonesub ANY; }; allow-transfer { key rdnsctl-key; }; "},
	}, fmt.Sprintf("include %q;", key))
	proxy = startConflictProxy(t, named, key)
	conf := fmt.Sprintf(`zones:
  - zones/
  - {origin: 9.60.10.in-addr.arpa., server: primary}
  - {origin: 10.60.10.in-addr.arpa., server: primary}
servers:
  - {name: primary, address: "%s", tsig_file: %s}
journal: journal.jsonl
resolvers: [%s]
defaults:
  - prefix: 10.60.0.0/16
    template: "{dashed}.pool.example.net."
api:
  tokens_file: tokens.json
`, proxy.addr, key, named)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	return dir, proxy, named
}

func post(c *apiClient, tok, body string) (int, map[string]any) {
	st, _, doc := c.do("/api/v1/ptr", "POST", "/api/v1/ptr", tok, body)
	return st, doc
}

func journalText(t *testing.T, dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// A write a live server refuses, alone, in a batch with a zone file, or in
// a group commit with other requests, is never answered 200; the others of
// its group are applied; a change made between rdnsctl's read and its
// UPDATE is a 409 conflict and stays.
func TestServeLiveServerRefusals(t *testing.T) {
	dir, proxy, _ := hostileLive(t)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	zoneFile := filepath.Join(dir, "zones", "db.10.60.1")

	// alone: 502 upstream, the rcode named, nothing written
	before, jbefore := string(mustRead(t, zoneFile)), journalText(t, dir)
	st, doc := post(c, tok, `{"ip":"10.60.9.6","hostname":"x.customer.example","validate_forward":false}`)
	if st != 502 || doc["code"] != "upstream" || doc["rcode"] != "REFUSED" {
		t.Errorf("refused UPDATE: %d %v", st, doc)
	}
	if string(mustRead(t, zoneFile)) != before || journalText(t, dir) != jbefore {
		t.Errorf("a refused request changed a file")
	}
	if st, doc = post(c, tok, `{"ip":"10.60.9.5","hostname":"x.customer.example","validate_forward":false}`); st != 200 || doc["status"] != "changed" {
		t.Errorf("granted UPDATE: %d %v", st, doc)
	}

	// a batch over a zone file and a refused live zone: not 200, and the
	// answer names what was applied (the file zone's change, journaled)
	st, _, doc = c.do("/api/v1/events", "POST", "/api/v1/events", tok, `{"events":[{"event":"provision","ip":"10.60.1.20"},{"event":"provision","ip":"10.60.9.7"}]}`)
	applied, _ := doc["applied"].([]any)
	if st != 502 || len(applied) != 1 || applied[0].(map[string]any)["ip"] != "10.60.1.20" {
		t.Errorf("batch refused in part: %d %v", st, doc)
	}
	if j := journalText(t, dir); !strings.Contains(j, `"ip":"10.60.1.20"`) || strings.Contains(j, `"ip":"10.60.9.7"`) {
		t.Errorf("the journal does not hold exactly what was applied:\n%s", j)
	}

	// a group commit: requests queue while the zones lock is held, then
	// go as one write; the refused one fails alone
	release := holdLock(t, filepath.Join(dir, "zones"))
	type answer struct {
		st  int
		doc map[string]any
	}
	bodies := map[string]string{"10.60.9.8": `{"ip":"10.60.9.8","hostname":"refused.customer.example","validate_forward":false}`,
		"10.60.10.8": `{"ip":"10.60.10.8","hostname":"live.customer.example","validate_forward":false}`}
	for i := 30; i < 38; i++ {
		bodies[fmt.Sprintf("10.60.1.%d", i)] = fmt.Sprintf(`{"ip":"10.60.1.%d","hostname":"h%d.customer.example","validate_forward":false}`, i, i)
	}
	answers := map[string]answer{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	first := make(chan struct{})
	go func() { // the first request holds the committer at the lock
		st, doc := post(c, tok, `{"ip":"10.60.1.29","hostname":"h29.customer.example","validate_forward":false}`)
		mu.Lock()
		answers["10.60.1.29"] = answer{st, doc}
		mu.Unlock()
		close(first)
	}()
	time.Sleep(200 * time.Millisecond)
	for ip, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, doc := post(c, tok, body)
			mu.Lock()
			answers[ip] = answer{st, doc}
			mu.Unlock()
		}()
	}
	time.Sleep(300 * time.Millisecond)
	release()
	wg.Wait()
	<-first
	zone := string(mustRead(t, zoneFile))
	for ip, a := range answers {
		switch {
		case ip == "10.60.9.8":
			if a.st != 502 || a.doc["code"] != "upstream" {
				t.Errorf("%s, refused in a group: %d %v", ip, a.st, a.doc)
			}
		case a.st != 200 || a.doc["status"] != "changed":
			t.Errorf("%s was held back by another request's refusal: %d %v", ip, a.st, a.doc)
		case strings.HasPrefix(ip, "10.60.1.") && !strings.Contains(zone, fmt.Sprintf("\th%s.customer.example.\n", strings.TrimPrefix(ip, "10.60.1."))):
			t.Errorf("%s answered 200 but is not in the zone", ip)
		}
	}
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/10.60.10.8", tok, ""); st != 200 || fmt.Sprint(doc["ptr"]) != "[live.customer.example.]" {
		t.Errorf("the live zone's change of the group: %d %v", st, doc)
	}

	// an engineer's change between rdnsctl's read and its UPDATE: 409
	// conflict, and the engineer's record stays
	script := "zone 10.60.10.in-addr.arpa.\nupdate delete 5.10.60.10.in-addr.arpa. PTR\nupdate add 5.10.60.10.in-addr.arpa. 300 PTR engineer.customer.example."
	proxy.armed.Store(&script)
	jbefore = journalText(t, dir)
	st, doc = post(c, tok, `{"ip":"10.60.10.5","hostname":"api.customer.example","validate_forward":false}`)
	if err := <-proxy.ran; err != nil {
		t.Fatalf("nsupdate: %v", err)
	}
	if st != 409 || doc["code"] != "conflict" {
		t.Errorf("a change between read and UPDATE: %d %v", st, doc)
	}
	if journalText(t, dir) != jbefore {
		t.Errorf("a conflict was journaled")
	}
	// a GET asks the server for the zone's serial (at most every 100 ms):
	// it shows the engineer's record, not the copy the refused write read
	time.Sleep(150 * time.Millisecond)
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/10.60.10.5", tok, ""); st != 200 || fmt.Sprint(doc["ptr"]) != "[engineer.customer.example.]" {
		t.Errorf("GET after the conflict: %d %v", st, doc)
	}
	if st, doc = post(c, tok, `{"ip":"10.60.10.6","hostname":"six.customer.example","validate_forward":false}`); st != 200 {
		t.Errorf("write after the conflict: %d %v", st, doc)
	}
	if _, _, doc := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/10.60.10.5", tok, ""); fmt.Sprint(doc["ptr"]) != "[engineer.customer.example.]" {
		t.Errorf("the engineer's change was overwritten: %v", doc)
	}
	var n int
	for _, l := range strings.Split(strings.TrimSpace(journalText(t, dir)), "\n") {
		var e struct{ Operator string }
		if json.Unmarshal([]byte(l), &e) == nil && e.Operator != "provisioning" {
			t.Errorf("a journal line of the API without the token's name: %s", l)
		}
		n++
	}
	if n == 0 {
		t.Errorf("nothing journaled")
	}
	for _, rt := range []string{"POST /api/v1/ptr", "POST /api/v1/events"} {
		for st := range c.seen[rt] {
			if !routeHas(rt, st) {
				t.Errorf("%s returned %d, which the OpenAPI document lacks", rt, st)
			}
		}
	}
	checkZones(t, filepath.Join(dir, "zones"))
	if m := metricsText(t, c); !strings.Contains(m, `rdnsctl_upstream_rcodes_total{rcode="REFUSED"}`) || !strings.Contains(m, `rdnsctl_upstream_rcodes_total{rcode="NOERROR"}`) {
		t.Errorf("upstream rcodes not counted:\n%s", grepLines(m, "rcodes"))
	}
}

func routeHas(methodPath string, status int) bool {
	for _, rt := range apiRoutes() {
		if rt.Method+" "+rt.Path == methodPath {
			for _, s := range rt.Statuses {
				if s == status {
					return true
				}
			}
		}
	}
	return false
}

func metricsText(t *testing.T, c *apiClient) string {
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func apiRoutes() []api.Route { return api.Routes }

// The edges a checker tries first: the scheme's case, routes that do not
// exist, booleans that are not (dry_run=1 must not write, dry_run=yes is
// refused), a list in If-Match, the log's since as the CLI takes it, a GET
// after a CLI edit, a removed tokens file, the addresses of a forward pass,
// and an OpenAPI document that has the query parameters and statuses.
func TestServeHostileEdges(t *testing.T) {
	dir, _ := serveSetup(t)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	zoneFile := filepath.Join(dir, "zones", "db.198.51.100")
	before := string(mustRead(t, zoneFile))
	for _, tc := range []struct {
		name, method, path, auth, body string
		status                         int
		code                           string
	}{
		{"lower-case scheme", "GET", "/api/v1/ptr/198.51.100.10", "bearer " + tok, "", 200, ""},
		{"scheme only", "GET", "/api/v1/ptr/198.51.100.10", "Bearer", "", 401, "unauthorized"},
		{"basic", "GET", "/api/v1/ptr/198.51.100.10", "Basic " + tok, "", 401, "unauthorized"},
		{"no such route", "GET", "/api/v1/nothing", "Bearer " + tok, "", 404, "not_found"},
		{"a prefix in the path", "GET", "/api/v1/ptr/198.51.100.0/24", "Bearer " + tok, "", 404, "not_found"},
		{"no such method", "PATCH", "/api/v1/ptr/198.51.100.10", "Bearer " + tok, "{}", 405, "method_not_allowed"},
		{"custom=yes", "GET", "/api/v1/ptr?custom=yes", "Bearer " + tok, "", 400, "bad_request"},
		{"dry_run=yes", "POST", "/api/v1/events?dry_run=yes", "Bearer " + tok, `{"events":[{"event":"deprovision","ip":"198.51.100.20"}]}`, 400, "bad_request"},
		{"dry_run=1 writes nothing", "POST", "/api/v1/events?dry_run=1", "Bearer " + tok, `{"events":[{"event":"deprovision","ip":"198.51.100.20"}]}`, 200, ""},
		{"a body that is not an object", "POST", "/api/v1/ptr", "Bearer " + tok, `[]`, 400, "bad_request"},
		{"since 7d", "GET", "/api/v1/log?since=7d", "Bearer " + tok, "", 200, ""},
		{"since a date", "GET", "/api/v1/log?since=2026-11-01", "Bearer " + tok, "", 200, ""},
		{"since in the future", "GET", "/api/v1/log?since=-5h", "Bearer " + tok, "", 400, "bad_request"},
		{"a semicolon in the name", "POST", "/api/v1/ptr", "Bearer " + tok, `{"ip":"198.51.100.44","hostname":"a;b.example"}`, 422, "invalid_hostname"},
		// where the address is decides before the forward check does
		{"in no zone, validated", "POST", "/api/v1/ptr", "Bearer " + tok, `{"ip":"192.0.2.1","hostname":"mail.customer.example"}`, 404, "no_zone"},
		{"delegated, validated", "POST", "/api/v1/ptr", "Bearer " + tok, `{"ip":"198.51.100.130","hostname":"mail.customer.example"}`, 409, "delegated"},
		{"a batch with an address in no zone", "POST", "/api/v1/events", "Bearer " + tok, `{"events":[{"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"},{"event":"provision","ip":"192.0.2.1"}]}`, 404, "no_zone"},
	} {
		req, _ := http.NewRequest(tc.method, c.base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", tc.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.code != "" && doc["code"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, doc, tc.status, tc.code)
		}
		if tc.code != "" && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: Content-Type %q", tc.name, resp.Header.Get("Content-Type"))
		}
		if tc.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: no Allow header", tc.name)
		}
	}
	if string(mustRead(t, zoneFile)) != before {
		t.Fatalf("a refused request or a dry run changed the zone")
	}

	// If-Match holds a list of tags: one of them matching is enough
	_, h, _ := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.10", tok, "")
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "PUT", "/api/v1/ptr/198.51.100.10", tok, `{"hostname":"x.customer.example","validate_forward":false}`, "If-Match", `"0000", `+h.Get("ETag")); st != 200 {
		t.Errorf("If-Match with the current tag in a list: %d %v", st, doc)
	}
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "PUT", "/api/v1/ptr/198.51.100.10", tok, `{"hostname":"y.customer.example","validate_forward":false}`, "If-Match", "W/"+h.Get("ETag")); st != 412 {
		t.Errorf("a weak tag matched: %d %v", st, doc)
	}
	// a stale If-Match is 412 whatever the name resolves to
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "PUT", "/api/v1/ptr/198.51.100.10", tok, `{"hostname":"elsewhere.customer.example"}`, "If-Match", h.Get("ETag")); st != 412 || doc["code"] != "stale" {
		t.Errorf("a stale If-Match with a name that does not resolve back: %d %v", st, doc)
	}

	// a forward pass lists the addresses the name has
	if st, doc := post(c, tok, `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 200 || fmt.Sprint(doc["forward"]) != "map[addresses:[198.51.100.44] verdict:pass]" {
		t.Errorf("forward pass: %d %v", st, doc)
	}

	// a GET after an engineer's CLI write shows the zone as it is now
	if r := run(t, dir, "", "set", "198.51.100.77", "cli.customer.example", "--no-validate", "--write"); r.code != 0 {
		t.Fatalf("CLI set: %s", r.err)
	}
	if st, _, doc := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.77", tok, ""); st != 200 || fmt.Sprint(doc["ptr"]) != "[cli.customer.example.]" {
		t.Errorf("GET after a CLI write: %d %v", st, doc)
	}
	if st, _, doc := c.do("/api/v1/ptr", "GET", "/api/v1/ptr?prefix=198.51.100.77/32", tok, ""); st != 200 || doc["count"] != 1.0 {
		t.Errorf("list after a CLI write: %d %v", st, doc)
	}

	// the OpenAPI document names the query parameters
	_, _, doc := c.do("/api/v1/openapi.json", "GET", "/api/v1/openapi.json", "", "")
	paths, _ := doc["paths"].(map[string]any)
	for path, want := range map[string][]string{"/api/v1/ptr": {"prefix", "custom", "limit", "offset"}, "/api/v1/log": {"ip", "since", "limit"}, "/api/v1/events": {"dry_run"}} {
		op, _ := paths[path].(map[string]any)
		for _, m := range []string{"get", "post"} {
			o, ok := op[m].(map[string]any)
			if !ok || (path == "/api/v1/ptr" && m == "post") {
				continue
			}
			got := fmt.Sprint(o["parameters"])
			for _, p := range want {
				if !strings.Contains(got, "name:"+p+" ") {
					t.Errorf("%s %s: parameter %s not in the OpenAPI document", m, path, p)
				}
			}
		}
	}

	// a scoped token reads the journal of its blocks only
	reseller := token(t, dir, "reseller", "--prefix", "198.51.100.0/26")
	_, _, all := c.do("/api/v1/log", "GET", "/api/v1/log", tok, "")
	_, _, mine := c.do("/api/v1/log", "GET", "/api/v1/log?limit=1", reseller, "")
	if !strings.Contains(fmt.Sprint(all), "198.51.100.77") || mine["count"] != 1.0 || strings.Contains(fmt.Sprint(mine), "198.51.100.77") {
		t.Errorf("a scoped token's log: %v", mine)
	}
	if _, _, mine = c.do("/api/v1/log", "GET", "/api/v1/log?ip=198.51.100.77", reseller, ""); mine["count"] != 0.0 {
		t.Errorf("a scoped token reads another block's journal: %v", mine)
	}

	// the metrics the issue names
	m := metricsText(t, c)
	for _, name := range []string{"rdnsctl_http_requests_total{", "rdnsctl_http_request_duration_seconds_bucket{", "rdnsctl_changes_applied_total ",
		"rdnsctl_validation_refusals_total{", "rdnsctl_conflicts_total ", "rdnsctl_upstream_errors_total "} {
		if !strings.Contains(m, "\n"+name) {
			t.Errorf("metric %s missing", name)
		}
	}

	// a removed tokens file accepts no token
	os.Remove(filepath.Join(dir, "tokens.json"))
	if st, _, _ := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.10", tok, ""); st != 401 {
		t.Errorf("token accepted after its file was removed: %d", st)
	}
}

// holdLock takes the zones lock of dir until the returned func is called:
// the API's writes queue meanwhile and then go as one group commit.
func holdLock(t *testing.T, dir string) func() {
	t.Helper()
	lock, err := os.OpenFile(filepath.Join(dir, ".rdnsctl.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() {
		syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		lock.Close()
	}
}

// Requests that are each a small change of a zone are not refused as a
// mass change because they happen to be committed together.
func TestServeGroupNotMassChange(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	var z strings.Builder
	z.WriteString("$ORIGIN 2.70.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&z, "%d IN PTR old%d.customer.example.\n", i, i)
	}
	os.WriteFile(filepath.Join(zones, "db.10.70.2"), []byte(z.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte("zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\ndefaults: [{prefix: 10.70.2.0/24, template: \"{dashed}.pool.example.net.\"}]\n"), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	release := holdLock(t, zones)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]string{}
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, doc := post(c, tok, fmt.Sprintf(`{"ip":"10.70.2.%d","hostname":"new%d.customer.example","validate_forward":false}`, i, i))
			mu.Lock()
			got[i] = fmt.Sprint(st, " ", doc["code"])
			mu.Unlock()
		}()
		if i == 1 {
			time.Sleep(100 * time.Millisecond) // the committer waits at the lock with the first
		}
	}
	time.Sleep(300 * time.Millisecond)
	release()
	wg.Wait()
	for i, g := range got {
		if g != "200 <nil>" {
			t.Errorf("request %d: %s", i, g)
		}
	}
	// a batch that is a mass change by itself is still refused
	st, _, doc := c.do("/api/v1/events", "POST", "/api/v1/events", tok, `{"events":[{"event":"unset","ip":"10.70.2.9"},{"event":"unset","ip":"10.70.2.10"},{"event":"unset","ip":"10.70.2.11"},{"event":"unset","ip":"10.70.2.12"}]}`)
	if st != 422 || doc["code"] != "mass_change" {
		t.Errorf("a mass change in one batch: %d %v", st, doc)
	}
}

// readyz: a configured server that holds none of our zones need only
// answer (it used to be asked for the first zone's SOA, and refusing made
// serve unready for ever); a server or the resolvers not answering, or the
// zones lock held elsewhere, make it 503.
func TestServeReadyz(t *testing.T) {
	dir, resolverAddr := serveSetup(t)
	dead := freeAddr(t) // nothing listens there
	for _, tc := range []struct {
		name, servers, resolvers string
		lock                     bool
		status                   int
		reason                   string
	}{
		{"a server with none of our zones", fmt.Sprintf("[{name: ns, address: %q}]", resolverAddr), resolverAddr, false, 200, ""},
		{"a server down", fmt.Sprintf("[{name: ns2, address: %q}]", dead), resolverAddr, false, 503, "server ns2"},
		{"the resolvers down", "[]", dead, false, 503, "resolvers"},
		{"the zones lock held", "[]", resolverAddr, true, 503, "zones lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			os.CopyFS(filepath.Join(d, "zones"), os.DirFS(filepath.Join(dir, "zones")))
			os.WriteFile(filepath.Join(d, "rdnsctl.yaml"), []byte(fmt.Sprintf("zones: [zones/]\njournal: journal.jsonl\nresolvers: [%s]\nservers: %s\napi: {tokens_file: tokens.json}\n", tc.resolvers, tc.servers)), 0o644)
			token(t, d, "x")
			c := startServe(t, d, "--timeout", "300ms", "--retries", "0")
			if tc.lock {
				defer holdLock(t, filepath.Join(d, "zones"))()
			}
			st, _, doc := c.do("/readyz", "GET", "/readyz", "", "")
			if st != tc.status || !strings.Contains(fmt.Sprint(doc["reason"]), tc.reason) {
				t.Errorf("readyz: %d %v, want %d %q", st, doc, tc.status, tc.reason)
			}
		})
	}
}

// validate_forward false is said in the journal, as the CLI's --no-validate
// is, and a batch takes it too; every request is one log line with its
// method, route, status, token name and duration, never the token.
func TestServeNotValidatedAndLogLines(t *testing.T) {
	dir, _ := serveSetup(t)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	if st, doc := post(c, tok, `{"ip":"198.51.100.50","hostname":"nowhere.customer.example","validate_forward":false}`); st != 200 {
		t.Fatalf("POST without validation: %d %v", st, doc)
	}
	ev := `{"events":[{"event":"set","ip":"198.51.100.51","hostname":"nowhere2.customer.example"}],"validate_forward":false}`
	if st, _, doc := c.do("/api/v1/events", "POST", "/api/v1/events", tok, ev); st != 200 || doc["written"] != true {
		t.Fatalf("events without validation: %d %v", st, doc)
	}
	if st, _, doc := c.do("/api/v1/events", "POST", "/api/v1/events", tok, strings.Replace(ev, "false", "true", 1)); st != 422 || doc["code"] != "forward_mismatch" {
		t.Errorf("events with validation: %d %v", st, doc)
	}
	j := journalText(t, dir)
	for _, ip := range []string{"198.51.100.50", "198.51.100.51"} {
		found := false
		for _, l := range strings.Split(j, "\n") {
			found = found || strings.Contains(l, `"ip":"`+ip+`"`) && strings.Contains(l, "not validated") && strings.Contains(l, `"operator":"provisioning"`)
		}
		if !found {
			t.Errorf("%s: the journal does not say it was not validated:\n%s", ip, j)
		}
	}
	c.do("/api/v1/nothing", "GET", "/api/v1/nothing", tok, "")
	c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.50", "rdns_not_a_token", "")
	if code := c.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	logs := c.logs()
	if strings.Contains(logs, tok) || strings.Contains(logs, "rdns_not_a_token") {
		t.Errorf("a token is in the log:\n%s", logs)
	}
	var lines int
	for _, l := range strings.Split(logs, "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(l), &e) != nil || e["msg"] != "request" {
			continue
		}
		lines++
		for _, k := range []string{"method", "route", "status", "token", "duration_ms"} {
			if _, ok := e[k]; !ok {
				t.Errorf("log line without %s: %s", k, l)
			}
		}
		if e["route"] == "/api/v1/events" && e["token"] != "provisioning" {
			t.Errorf("log line without the token's name: %s", l)
		}
	}
	if lines < 6 { // the startup /livez polls are lines too
		t.Errorf("%d request lines for 6 requests:\n%s", lines, logs)
	}
}

// SIGINT while writes wait for the zones lock: serve stops accepting,
// finishes them (each answered 200 and journaled) and exits 0 within 10 s.
func TestServeStopFinishesWrites(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.10.71.0"), []byte("$ORIGIN 0.71.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte("zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\n"), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	release := holdLock(t, zones)
	const n = 12
	var wg, sent sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		sent.Add(1)
		go func() {
			defer wg.Done()
			// the request is in flight once it is written
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent.Done() }}
			body := fmt.Sprintf(`{"ip":"10.71.0.%d","hostname":"h%d.customer.example","validate_forward":false}`, i+1, i)
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", c.base+"/api/v1/ptr", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			codes[i] = resp.StatusCode
			resp.Body.Close()
		}()
	}
	sent.Wait()
	time.Sleep(100 * time.Millisecond) // read by the server, waiting for the lock
	stopped := make(chan int)
	start := time.Now()
	go func() { stopped <- c.stop() }()
	time.Sleep(300 * time.Millisecond)
	if _, err := http.Get(c.base + "/livez"); err == nil {
		t.Errorf("serve still accepts connections while stopping")
	}
	release()
	wg.Wait()
	if code := <-stopped; code != 0 || time.Since(start) > 10*time.Second {
		t.Errorf("serve exited %d after %v", code, time.Since(start))
	}
	zone, j := string(mustRead(t, filepath.Join(zones, "db.10.71.0"))), journalText(t, dir)
	for i, st := range codes {
		if st != 200 {
			t.Errorf("request %d in flight at SIGINT: %d", i, st)
		}
		if !strings.Contains(zone, fmt.Sprintf("\th%d.customer.example.\n", i)) || strings.Count(j, fmt.Sprintf(`"new":"h%d.customer.example."`, i)) != 1 {
			t.Errorf("request %d is not in the zone and once in the journal", i)
		}
	}
	checkZones(t, zones)
}

// DELETE gives an address back: to its default, or deleted when the config
// says deprovision: delete (also where no default template covers it).
func TestServeDeleteDeprovisionDelete(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.10.72.0"), []byte("$ORIGIN 0.72.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n5 IN PTR mail.customer.example.\n6 IN PTR www.customer.example.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte("zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\ndeprovision: delete\n"), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	for _, tc := range []struct {
		ip, status string
	}{{"10.72.0.5", "changed"}, {"10.72.0.5", "unchanged"}, {"10.72.0.7", "unchanged"}} {
		st, _, doc := c.do("/api/v1/ptr/{ip}", "DELETE", "/api/v1/ptr/"+tc.ip, tok, "")
		if st != 200 || doc["status"] != tc.status || doc["hostname"] != nil {
			t.Errorf("DELETE %s: %d %v, want %s with no hostname", tc.ip, st, doc, tc.status)
		}
	}
	zone := string(mustRead(t, filepath.Join(zones, "db.10.72.0")))
	if strings.Contains(zone, "mail.customer.example") || !strings.Contains(zone, "www.customer.example") {
		t.Errorf("zone after DELETE:\n%s", zone)
	}
	if j := journalText(t, dir); strings.Count(j, `"action":"delete"`) != 1 || !strings.Contains(j, `"operator":"provisioning"`) {
		t.Errorf("journal:\n%s", j)
	}
	checkZones(t, zones)
}

// serve refuses to start without authentication or on plain HTTP off
// loopback (exit 2, saying why), and serves TLS with --tls-cert/--tls-key.
func TestServeStartAndTLS(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.198.51.100"), []byte(serveZone), 0o644)
	os.WriteFile(filepath.Join(dir, "noauth.yaml"), []byte("zones: [zones/]\nresolvers: [127.0.0.1:9]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "gone.yaml"), []byte("zones: [zones/]\nresolvers: [127.0.0.1:9]\napi: {tokens_file: gone.json}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte("zones: [zones/]\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\n"), 0o644)
	tok := token(t, dir, "noc", "--read-only")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no tokens file", []string{"--config", "noauth.yaml", "--listen", "127.0.0.1:0"}, "no tokens file"},
		{"no auth off loopback", []string{"--config", "noauth.yaml", "--listen", "192.0.2.1:8053", "--insecure-no-auth"}, "only allowed on a loopback address"},
		{"no auth, any address", []string{"--config", "noauth.yaml", "--listen", ":8053", "--insecure-no-auth"}, "only allowed on a loopback address"},
		{"plain HTTP off loopback", []string{"--listen", "192.0.2.1:8053"}, "--insecure-http"},
		{"a tokens file that is gone", []string{"--config", "gone.yaml", "--listen", "127.0.0.1:0"}, "api.tokens_file"},
		{"half of TLS", []string{"--listen", "127.0.0.1:0", "--tls-cert", "cert.pem"}, "go together"},
	} {
		r := run(t, dir, "", append([]string{"serve"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", tc.name, r.code, r.err, tc.want)
		}
	}
	cert, key, pool := selfSigned(t, dir)
	os.Chmod(filepath.Join(dir, "tokens.json"), 0o644)
	c := startServeTLS(t, dir, pool, "--tls-cert", cert, "--tls-key", key)
	if !strings.Contains(c.logs(), "readable by others (mode 0644)") {
		t.Errorf("no warning of a tokens file others may read:\n%s", c.logs())
	}
	st, _, _ := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.10", tok, "")
	if st != 200 {
		t.Errorf("GET over TLS: %d", st)
	}
	resp, err := http.Get(strings.Replace(c.base, "https:", "http:", 1) + "/livez")
	if err == nil {
		if resp.StatusCode != 400 {
			t.Errorf("plain HTTP to the TLS port: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rdnsctl test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	parsed, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return cert, key, pool
}

// A batch's names are looked up concurrently: 40 set events against a
// resolver that takes 150 ms an answer take well under the 6 s one after
// the other would.
func TestServeEventsValidateConcurrently(t *testing.T) {
	var rrs []string
	var events []string
	for i := 1; i <= 40; i++ {
		rrs = append(rrs, fmt.Sprintf("h%d.customer.example. 300 IN A 10.73.0.%d", i, i))
		events = append(events, fmt.Sprintf(`{"event":"set","ip":"10.73.0.%d","hostname":"h%d.customer.example"}`, i, i))
	}
	resolverAddr := dnstest.NewServer(t, dnstest.Slow(dnstest.Handler(t, rrs...), 150*time.Millisecond))
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.10.73.0"), []byte("$ORIGIN 0.73.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(fmt.Sprintf("zones: [zones/]\njournal: journal.jsonl\nresolvers: [%s]\napi: {tokens_file: tokens.json}\n", resolverAddr)), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir, "--timeout", "2s")
	start := time.Now()
	st, _, doc := c.do("/api/v1/events", "POST", "/api/v1/events", tok, `{"events":[`+strings.Join(events, ",")+`]}`)
	if st != 200 || doc["written"] != true {
		t.Fatalf("events: %d %v", st, doc)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("40 validations took %v: one after the other", d)
	}
	zone := string(mustRead(t, filepath.Join(zones, "db.10.73.0")))
	for i := 1; i <= 40; i++ {
		if !strings.Contains(zone, fmt.Sprintf("\th%d.customer.example.\n", i)) {
			t.Errorf("event %d not written", i)
		}
	}
}

// SIGINT while a write waits for a zones lock held elsewhere for longer
// than --shutdown-timeout: the write gives up (503 shutting_down, nothing
// written) and serve exits 0 in time.
func TestServeStopGivesUp(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	zoneText := "$ORIGIN 0.74.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n"
	os.WriteFile(filepath.Join(zones, "db.10.74.0"), []byte(zoneText), 0o644)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte("zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\nlock_timeout: 1m\n"), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir, "--shutdown-timeout", "1s")
	defer holdLock(t, zones)()
	var sent sync.WaitGroup
	sent.Add(1)
	type answer struct {
		st    int
		doc   map[string]any
		retry string
	}
	got := make(chan answer, 1)
	go func() {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent.Done() }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", c.base+"/api/v1/ptr",
			strings.NewReader(`{"ip":"10.74.0.5","hostname":"h.customer.example","validate_forward":false}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- answer{-1, map[string]any{"error": err.Error()}, ""}
			return
		}
		var doc map[string]any
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		got <- answer{resp.StatusCode, doc, resp.Header.Get("Retry-After")}
	}()
	sent.Wait()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if code := c.stop(); code != 0 || time.Since(start) > 3*time.Second {
		t.Errorf("serve exited %d after %v", code, time.Since(start))
	}
	if a := <-got; a.st != 503 || a.doc["code"] != "shutting_down" || a.retry == "" {
		t.Errorf("the write waiting for the lock: %d %v (Retry-After %q)", a.st, a.doc, a.retry)
	}
	if string(mustRead(t, filepath.Join(zones, "db.10.74.0"))) != zoneText || journalText(t, dir) != "" {
		t.Errorf("a write that gave up changed a file")
	}
}
