package dnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PowerDNS is a running PowerDNS Authoritative server with a fresh SQLite
// database and its HTTP API.
type PowerDNS struct {
	DNS    string // 127.0.0.1:PORT where it answers queries
	URL    string // http://127.0.0.1:PORT of the API
	APIKey string
	Dir    string
	util   string
}

// StartPowerDNS starts pdns_server on free ports of 127.0.0.1 with the
// zones loaded by pdnsutil load-zone, and waits until the API answers. It is
// killed when the test ends. The test is skipped when pdns_server, pdnsutil,
// sqlite3 or the SQLite schema is missing (pdns-server, pdns-backend-sqlite3,
// sqlite3).
func StartPowerDNS(tb testing.TB, zones []Zone) *PowerDNS {
	tb.Helper()
	server, err := exec.LookPath("pdns_server")
	if err != nil {
		tb.Skip("pdns_server not found: install pdns-server")
	}
	util, err := exec.LookPath("pdnsutil")
	if err != nil {
		tb.Skip("pdnsutil not found: install pdns-server")
	}
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		tb.Skip("sqlite3 not found: install sqlite3")
	}
	schema := "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
	if _, err := os.Stat(schema); err != nil {
		tb.Skip("no SQLite schema: install pdns-backend-sqlite3")
	}
	dir, err := os.MkdirTemp("", "pdns")
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "pdns.sqlite3")
	cmd := exec.Command(sqlite, db)
	sch, _ := os.Open(schema)
	defer sch.Close()
	cmd.Stdin = sch
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("dnstest: sqlite3: %v\n%s", err, out)
	}
	var keyb [16]byte
	_, _ = rand.Read(keyb[:])
	p := &PowerDNS{APIKey: hex.EncodeToString(keyb[:]), Dir: dir, util: util}
	ports, err := freePorts(2)
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	p.DNS = fmt.Sprintf("127.0.0.1:%d", ports[0])
	p.URL = fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	conf := fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%[1]s
local-address=127.0.0.1
local-port=%[2]d
api=yes
api-key=%[3]s
webserver=yes
webserver-address=127.0.0.1
webserver-port=%[4]d
webserver-allow-from=127.0.0.0/8
socket-dir=%[5]s
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
query-cache-ttl=0
negquery-cache-ttl=0
cache-ttl=0
zone-cache-refresh-interval=0
`, db, ports[0], p.APIKey, ports[1], dir)
	if err := os.WriteFile(filepath.Join(dir, "pdns.conf"), []byte(conf), 0o600); err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	for _, z := range zones {
		f, _ := filepath.Abs(z.File)
		if out, err := p.Util("load-zone", fqdn(z.Origin), f); err != nil {
			tb.Fatalf("dnstest: pdnsutil load-zone %s: %v\n%s", z.Origin, err, out)
		}
	}
	out := &lockedBuffer{}
	srv := exec.Command(server, "--config-dir="+dir)
	srv.Dir = dir
	srv.Stdout, srv.Stderr = out, out
	if err := srv.Start(); err != nil {
		tb.Fatalf("dnstest: pdns_server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.Wait(); close(exited) }()
	tb.Cleanup(func() { _ = srv.Process.Kill(); <-exited })
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest("GET", p.URL+"/api/v1/servers/localhost", nil)
		req.Header.Set("X-API-Key", p.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-exited:
			tb.Fatalf("dnstest: pdns_server exited:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("dnstest: pdns_server API did not answer: %v\n%s", err, out.String())
		}
	}
	if err := waitSOA(p.DNS, zones, deadline, exited); err != nil {
		tb.Fatalf("dnstest: pdns_server: %v\n%s", err, out.String())
	}
	return p
}

// Util runs pdnsutil on the server's database.
func (p *PowerDNS) Util(args ...string) (string, error) {
	out, err := exec.Command(p.util, append([]string{"--config-dir=" + p.Dir}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
