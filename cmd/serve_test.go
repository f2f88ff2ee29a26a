package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdnsctl/rdnsctl/api"
	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

const serveZone = `$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 2026112500 3600 600 86400 300
@ IN NS ns1.example.net.
10 IN PTR 198-51-100-10.customers.example.net.
20 IN PTR old.customer.example.
128/26 IN NS ns1.customer.example.
$GENERATE 128-191 $ CNAME $.128/26
`

const serveForward = `$ORIGIN customer.example.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300
@ IN NS ns1.example.net.
mail IN A 198.51.100.44
elsewhere IN A 192.0.2.9
`

type apiClient struct {
	t    *testing.T
	base string
	seen map[string]map[int]bool // route -> statuses observed
	mu   sync.Mutex
	// logs is what serve wrote to stderr so far; stop interrupts it
	// (SIGINT) and returns its exit status (-1: not within 10 s)
	logs func() string
	stop func() int
	// client, when set, is the HTTP client (TLS)
	client *http.Client
}

func (c *apiClient) httpClient() *http.Client {
	if c.client != nil {
		return c.client
	}
	return http.DefaultClient
}

func (c *apiClient) do(route, method, path, token, body string, hdr ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	c.mu.Lock()
	key := method + " " + route
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][resp.StatusCode] = true
	c.mu.Unlock()
	return resp.StatusCode, resp.Header, doc
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs rdnsctl serve in dir until the test ends.
func startServe(t *testing.T, dir string, args ...string) *apiClient {
	t.Helper()
	return startServeWith(t, dir, nil, args...)
}

// startServeTLS runs rdnsctl serve over TLS (args give the certificate),
// with a client trusting pool.
func startServeTLS(t *testing.T, dir string, pool *x509.CertPool, args ...string) *apiClient {
	t.Helper()
	return startServeWith(t, dir, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, args...)
}

func startServeWith(t *testing.T, dir string, client *http.Client, args ...string) *apiClient {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var errb, out bytes.Buffer
	lw := &lockedWriter{w: &errb}
	app := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: lw}, Now: time.Now,
		Args: append([]string{"rdnsctl", "serve"}, args...)}
	wd, _ := os.Getwd()
	os.Chdir(dir)
	done := make(chan int)
	go func() { done <- app.Run(ctx, append([]string{"serve", "--listen", addr}, args...)) }()
	c := &apiClient{t: t, base: "http://" + addr, seen: map[string]map[int]bool{}, client: client}
	if client != nil {
		c.base = "https://" + addr
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.httpClient().Get(c.base + "/livez")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case code := <-done:
			os.Chdir(wd)
			t.Fatalf("serve exited %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.Chdir(wd)
	c.logs = func() string {
		lw.mu.Lock()
		defer lw.mu.Unlock()
		return errb.String()
	}
	var once sync.Once
	code := 0
	c.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				code = -1
			}
		})
		return code
	}
	t.Cleanup(func() {
		// every status a route returned in this test is in the OpenAPI
		// document
		c.mu.Lock()
		for _, rt := range api.Routes {
			for st := range c.seen[rt.Method+" "+rt.Path] {
				if !slices.Contains(rt.Statuses, st) {
					t.Errorf("%s %s returned %d, which the OpenAPI document lacks", rt.Method, rt.Path, st)
				}
			}
		}
		c.mu.Unlock()
		switch code := c.stop(); code {
		case 0:
		case -1:
			t.Errorf("serve did not stop within 10 s")
		default:
			t.Errorf("serve exited %d after SIGINT", code)
		}
	})
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func serveSetup(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.198.51.100"), []byte(serveZone), 0o644)
	fwd := filepath.Join(dir, "customer.example.zone")
	os.WriteFile(fwd, []byte(serveForward), 0o644)
	resolverAddr := dnstest.StartNamed(t, []dnstest.Zone{{Origin: "customer.example", File: fwd}})
	conf := fmt.Sprintf(`zones: [zones/]
journal: journal.jsonl
resolvers: [%s]
defaults:
  - prefix: 198.51.100.0/24
    template: "{dashed}.customers.example.net."
api:
  tokens_file: tokens.json
`, resolverAddr)
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	return dir, resolverAddr
}

func token(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := run(t, dir, "", append([]string{"token", "add"}, args...)...)
	if r.code != 0 {
		t.Fatalf("token add: %d %s", r.code, r.err)
	}
	return strings.TrimSpace(r.out)
}

func TestServeAPI(t *testing.T) {
	dir, _ := serveSetup(t)
	all := token(t, dir, "provisioning")
	scoped := token(t, dir, "reseller", "--prefix", "203.0.113.0/24")
	ro := token(t, dir, "noc", "--read-only")
	if r := run(t, dir, "", "token", "list", "-o", "json"); r.code != 0 || strings.Contains(r.out, all) || !strings.Contains(r.out, `"reseller"`) {
		t.Fatalf("token list: %d %s", r.code, r.out)
	}
	if st, _ := os.Stat(filepath.Join(dir, "tokens.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v", st.Mode().Perm())
	}
	c := startServe(t, dir)
	zoneFile := filepath.Join(dir, "zones", "db.198.51.100")
	post := func(tok, body string) (int, map[string]any) {
		st, _, doc := c.do("/api/v1/ptr", "POST", "/api/v1/ptr", tok, body)
		return st, doc
	}

	// who may do what
	if st, h, _ := c.do("/api/v1/ptr", "POST", "/api/v1/ptr", "", `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 401 || h.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %v", st, h)
	}
	if st, _ := post("rdns_wrong", `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 401 {
		t.Errorf("unknown token: %d", st)
	}
	if st, doc := post(scoped, `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 403 || doc["code"] != "out_of_scope" {
		t.Errorf("out of scope: %d %v", st, doc)
	}
	if st, doc := post(ro, `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 403 || doc["code"] != "read_only" {
		t.Errorf("read-only: %d %v", st, doc)
	}

	before := string(mustRead(t, zoneFile))
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"forward points elsewhere", `{"ip":"198.51.100.44","hostname":"elsewhere.customer.example"}`, 422, "forward_mismatch"},
		{"no forward", `{"ip":"198.51.100.44","hostname":"nx.customer.example"}`, 422, "no_forward"},
		{"newline in the name", `{"ip":"198.51.100.44","hostname":"a\nb.example"}`, 422, "invalid_hostname"},
		{"semicolon", `{"ip":"198.51.100.44","hostname":"a;b.example"}`, 422, "invalid_hostname"},
		{"dollar", `{"ip":"198.51.100.44","hostname":"$ORIGIN.example"}`, 422, "invalid_hostname"},
		{"space", `{"ip":"198.51.100.44","hostname":"a b.example"}`, 422, "invalid_hostname"},
		{"label over 63", `{"ip":"198.51.100.44","hostname":"` + strings.Repeat("a", 64) + `.example"}`, 422, "invalid_hostname"},
		{"name over 253", `{"ip":"198.51.100.44","hostname":"` + strings.Repeat("abcdefghi.", 26) + `example"}`, 422, "invalid_hostname"},
		{"unknown field", `{"ip":"198.51.100.44","hostname":"mail.customer.example","ttl":5}`, 400, "bad_request"},
		{"a prefix, not an address", `{"ip":"198.51.100.44/24","hostname":"mail.customer.example"}`, 422, "invalid"},
		{"in no zone", `{"ip":"192.0.2.1","hostname":"x.example","validate_forward":false}`, 404, "no_zone"},
		{"delegated", `{"ip":"198.51.100.130","hostname":"x.example","validate_forward":false}`, 409, "delegated"},
		{"too large", `{"ip":"198.51.100.44","hostname":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "too_large"},
	} {
		st, doc := post(all, tc.body)
		if st != tc.status || doc["code"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.name, st, doc, tc.status, tc.code)
		}
	}
	if after := string(mustRead(t, zoneFile)); after != before {
		t.Fatalf("a refused request changed the zone file")
	}

	// the seed's call, then the same again
	st, doc := post(all, `{"ip":"198.51.100.44","hostname":"mail.customer.example","customer":"C-1","ticket":"T-9"}`)
	if st != 200 || doc["status"] != "changed" || doc["zone"] != "100.51.198.in-addr.arpa." || doc["forward"].(map[string]any)["verdict"] != "pass" {
		t.Fatalf("POST: %d %v", st, doc)
	}
	if st, doc = post(all, `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`); st != 200 || doc["status"] != "unchanged" {
		t.Errorf("POST again: %d %v", st, doc)
	}
	// GET with an ETag; a stale If-Match is 412 and writes nothing
	st, h, doc := c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.44", ro, "")
	etag := h.Get("ETag")
	if st != 200 || etag == "" || doc["custom"] != true {
		t.Fatalf("GET: %d %v %v", st, h, doc)
	}
	if st, _, doc = c.do("/api/v1/ptr/{ip}", "PUT", "/api/v1/ptr/198.51.100.44", all, `{"hostname":"x.customer.example","validate_forward":false}`, "If-Match", `"0000"`); st != 412 || doc["code"] != "stale" {
		t.Errorf("stale If-Match: %d %v", st, doc)
	}
	if st, _, doc = c.do("/api/v1/ptr/{ip}", "PUT", "/api/v1/ptr/198.51.100.44", all, `{"hostname":"x.customer.example","validate_forward":false}`, "If-Match", etag); st != 200 || doc["status"] != "changed" {
		t.Errorf("PUT with the ETag: %d %v", st, doc)
	}
	if st, _, doc = c.do("/api/v1/ptr", "GET", "/api/v1/ptr?prefix=198.51.100.0/24&custom=true&limit=1", ro, ""); st != 200 || doc["count"] != 2.0 || doc["next"] == nil {
		t.Errorf("list: %d %v", st, doc)
	}
	if st, _, _ = c.do("/api/v1/ptr", "GET", "/api/v1/ptr?prefix=198.51.100.5/24", ro, ""); st != 400 {
		t.Errorf("list with host bits: %d", st)
	}
	if st, _, doc = c.do("/api/v1/ptr/{ip}", "DELETE", "/api/v1/ptr/198.51.100.20", all, ""); st != 200 || doc["hostname"] != "198-51-100-20.customers.example.net." {
		t.Errorf("DELETE: %d %v", st, doc)
	}

	// events: all or nothing, and a dry run
	ev := `{"events":[{"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"},{"event":"deprovision","ip":"198.51.100.10"}]}`
	if st, _, doc = c.do("/api/v1/events", "POST", "/api/v1/events?dry_run=true", all, ev); st != 200 || len(doc["changes"].([]any)) == 0 {
		t.Errorf("dry run: %d %v", st, doc)
	}
	bad := `{"events":[{"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"},{"event":"set","ip":"198.51.100.45","hostname":"bad name"}]}`
	snap := string(mustRead(t, zoneFile))
	if st, _, doc = c.do("/api/v1/events", "POST", "/api/v1/events", all, bad); st != 422 {
		t.Errorf("a bad event: %d %v", st, doc)
	}
	if string(mustRead(t, zoneFile)) != snap {
		t.Errorf("a refused batch or a dry run changed the zone")
	}
	if st, _, doc = c.do("/api/v1/events", "POST", "/api/v1/events", all, ev); st != 200 || doc["written"] != true {
		t.Errorf("events: %d %v", st, doc)
	}

	// the journal names the token
	st, _, doc = c.do("/api/v1/log", "GET", "/api/v1/log?ip=198.51.100.44&limit=10", ro, "")
	res, _ := doc["results"].([]any)
	if st != 200 || len(res) == 0 || res[0].(map[string]any)["operator"] != "provisioning" {
		t.Errorf("log: %d %v", st, doc)
	}
	if st, _, doc = c.do("/api/v1/fcrdns/{ip}", "GET", "/api/v1/fcrdns/198.51.100.44", ro, ""); st != 200 {
		t.Errorf("fcrdns: %d %v", st, doc)
	}
	for _, p := range []string{"/livez", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		if st, _, _ := c.do(p, "GET", p, "", ""); st != 200 {
			t.Errorf("%s: %d", p, st)
		}
	}

	// a revoked token stops working without a restart
	if r := run(t, dir, "", "token", "revoke", "noc"); r.code != 0 {
		t.Fatal(r.err)
	}
	time.Sleep(20 * time.Millisecond)
	if st, _, _ = c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.44", ro, ""); st != 401 {
		t.Errorf("revoked token: %d", st)
	}

	// the zone passes named-checkzone; every status seen is in the OpenAPI document
	checkZones(t, filepath.Join(dir, "zones"))
	for _, rt := range api.Routes {
		if len(c.seen[rt.Method+" "+rt.Path]) == 0 {
			t.Errorf("%s %s was never called", rt.Method, rt.Path)
		}
		for st := range c.seen[rt.Method+" "+rt.Path] {
			found := false
			for _, s := range rt.Statuses {
				found = found || s == st
			}
			if !found {
				t.Errorf("%s %s returned %d, which the OpenAPI document lacks", rt.Method, rt.Path, st)
			}
		}
	}
}

// A forward check that cannot be made is 503 with Retry-After and writes
// nothing; a token over its rate gets 429 with Retry-After.
func TestServeUnavailableAndRateLimit(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	os.WriteFile(filepath.Join(zones, "db.198.51.100"), []byte(serveZone), 0o644)
	conf := "zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json, rate_limit: 0.5, burst: 2}\n"
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir, "--timeout", "200ms", "--retries", "0")
	before := string(mustRead(t, filepath.Join(zones, "db.198.51.100")))
	st, h, doc := c.do("/api/v1/ptr", "POST", "/api/v1/ptr", tok, `{"ip":"198.51.100.44","hostname":"mail.customer.example"}`)
	if st != 503 || doc["code"] != "forward_error" || h.Get("Retry-After") == "" {
		t.Errorf("resolver down: %d %v %v", st, h, doc)
	}
	if string(mustRead(t, filepath.Join(zones, "db.198.51.100"))) != before {
		t.Errorf("a request whose check could not be made wrote the zone")
	}
	st, _, _ = c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.10", tok, "")
	if st != 200 {
		t.Errorf("second request within the burst: %d", st)
	}
	st, h, doc = c.do("/api/v1/ptr/{ip}", "GET", "/api/v1/ptr/198.51.100.10", tok, "")
	if st != 429 || doc["code"] != "rate_limited" || h.Get("Retry-After") == "" {
		t.Errorf("over the rate: %d %v %v", st, h, doc)
	}
}

// Many clients over overlapping zones, with CLI writes interleaved: every
// accepted change is in the zones and in the journal exactly once.
func TestServeConcurrentNothingLost(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.Mkdir(zones, 0o755)
	for i := 0; i < 4; i++ {
		os.WriteFile(filepath.Join(zones, fmt.Sprintf("db.10.30.%d", i)), []byte(fmt.Sprintf("$ORIGIN %d.30.10.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.example.net. h.example.net. 1 3600 600 86400 300\n@ IN NS ns1.example.net.\n", i)), 0o644)
	}
	conf := "zones: [zones/]\njournal: journal.jsonl\nresolvers: [127.0.0.1:9]\napi: {tokens_file: tokens.json}\n"
	os.WriteFile(filepath.Join(dir, "rdnsctl.yaml"), []byte(conf), 0o644)
	tok := token(t, dir, "provisioning")
	c := startServe(t, dir)
	const clients, each = 32, 15
	var wg sync.WaitGroup
	var failed sync.Map
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < each; k++ {
				n := g*each + k
				body := fmt.Sprintf(`{"ip":"10.30.%d.%d","hostname":"h%d.customer.example","validate_forward":false}`, n%4, n/4+1, n)
				req, _ := http.NewRequest("POST", c.base+"/api/v1/ptr", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 200 {
					failed.Store(n, err)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	// the CLI writes into the same zones meanwhile
	for k := 0; k < 8; k++ {
		if r := run(t, dir, "", "set", fmt.Sprintf("10.30.%d.250", k%4), fmt.Sprintf("cli%d.customer.example", k), "--no-validate", "--write"); r.code != 0 {
			t.Errorf("CLI set: %d %s", r.code, r.err)
		}
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("request %v failed: %v", k, v); return true })
	var all strings.Builder
	for i := 0; i < 4; i++ {
		all.Write(mustRead(t, filepath.Join(zones, fmt.Sprintf("db.10.30.%d", i))))
	}
	for n := 0; n < clients*each; n++ {
		if !strings.Contains(all.String(), fmt.Sprintf("\th%d.customer.example.\n", n)) {
			t.Errorf("the change of request %d is not in the zones", n)
		}
	}
	for k := 4; k < 8; k++ {
		if !strings.Contains(all.String(), fmt.Sprintf("\tcli%d.customer.example.\n", k)) {
			t.Errorf("the CLI's change %d was overwritten", k)
		}
	}
	journal := string(mustRead(t, filepath.Join(dir, "journal.jsonl")))
	if n := strings.Count(journal, `"operator":"provisioning"`); n != clients*each {
		t.Errorf("the journal has %d lines of the API's token, want %d", n, clients*each)
	}
	checkZones(t, zones)
}
