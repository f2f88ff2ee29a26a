package cmd

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/ipam"
)

func embeddedScript(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="` + id + `">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no script %s in the page (%d bytes)", id, len(page))
	}
	return m[1]
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v in %.300s", err, s)
	}
	return v
}

// The HTML embeds exactly the -o json document of the same run, in -o html
// and in --html FILE beside -o json; both exit as the audit does.
func TestAuditHTMLEmbedsTheJSON(t *testing.T) {
	dir := copyExamples(t)
	js := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "-o", "json")
	if js.code != 1 {
		t.Fatalf("audit -o json exit %d: %s", js.code, js.err)
	}
	want := jsonValue(t, js.out)
	page := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "-o", "html")
	if page.code != 1 {
		t.Fatalf("audit -o html exit %d: %s", page.code, page.err)
	}
	if got := jsonValue(t, embeddedScript(t, page.out, "rdnsctl-data")); !reflect.DeepEqual(got, want) {
		t.Errorf("embedded JSON differs from -o json:\n%v\n%v", got, want)
	}
	if !strings.Contains(page.out, `id="exit-status">1<`) {
		t.Error("the page does not say exit status 1")
	}
	both := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "-o", "json", "--html", "out/report.html")
	if both.code != 2 || !strings.Contains(both.err, "report.html") {
		t.Errorf("--html into a missing directory: exit %d, %q", both.code, both.err)
	}
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	both = run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "-o", "json", "--html", "out/report.html")
	if both.code != 1 || both.out != js.out {
		t.Fatalf("-o json --html: exit %d, stdout differs from -o json: %v", both.code, both.out != js.out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonValue(t, embeddedScript(t, string(b), "rdnsctl-data")); !reflect.DeepEqual(got, want) {
		t.Error("--html FILE embeds another JSON than -o json")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "out", ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// a cell for every managed IPv4 address of the export
	exp, err := ipam.ReadFile(filepath.Join(dir, "ipam", "netbox-export.csv"), ipam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cells := mapCells(t, page.out)
	n := 0
	for _, p := range exp.Prefixes {
		if !p.Addr().Is4() {
			continue
		}
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			n++
			if st, ok := cells[a]; !ok || st&15 == 0 {
				t.Fatalf("no map cell for %s", a)
			}
		}
	}
	if n == 0 || n != countManaged(cells) {
		t.Errorf("%d managed addresses in the export, %d cells in the map", n, countManaged(cells))
	}
}

// mapCells decodes the page's map: address -> cell byte.
func mapCells(t *testing.T, page string) map[netip.Addr]byte {
	t.Helper()
	var m struct {
		Groups []struct{ Tiles []string }
		Cells  string
	}
	if err := json.Unmarshal([]byte(embeddedScript(t, page, "rdnsctl-map")), &m); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(m.Cells)
	if err != nil {
		t.Fatal(err)
	}
	out := map[netip.Addr]byte{}
	i := 0
	for _, g := range m.Groups {
		for _, tile := range g.Tiles {
			a := netip.MustParsePrefix(tile).Addr()
			for o := 0; o < 256; o++ {
				out[a] = b[i]
				a = a.Next()
				i++
			}
		}
	}
	return out
}

func countManaged(cells map[netip.Addr]byte) int {
	n := 0
	for _, b := range cells {
		if b&15 != 0 {
			n++
		}
	}
	return n
}

// fcrdns -o html embeds fcrdns -o json; audit --fcrdns lays those verdicts
// over the audit's map.
func TestFCrDNSHTML(t *testing.T) {
	dir := copyExamples(t)
	js := run(t, dir, "", "fcrdns", "--from-zones", "--offline", "--config", "rdnsctl.yaml", "-o", "json")
	page := run(t, dir, "", "fcrdns", "--from-zones", "--offline", "--config", "rdnsctl.yaml", "-o", "html")
	if js.code != page.code {
		t.Fatalf("exit %d (json) vs %d (html): %s", js.code, page.code, page.err)
	}
	if !reflect.DeepEqual(jsonValue(t, embeddedScript(t, page.out, "rdnsctl-data")), jsonValue(t, js.out)) {
		t.Error("fcrdns -o html embeds another JSON than -o json")
	}
	var doc fcrdnsReport
	if err := json.Unmarshal([]byte(js.out), &doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fc.json"), []byte(js.out), 0o644); err != nil {
		t.Fatal(err)
	}
	over := run(t, dir, "", "audit", "--config", "rdnsctl.yaml", "--fcrdns", "fc.json", "-o", "html")
	if over.code != 1 {
		t.Fatalf("audit --fcrdns: exit %d: %s", over.code, over.err)
	}
	cells := mapCells(t, over.out)
	marked := 0
	for _, r := range doc.Results {
		b, ok := cells[r.IP]
		if !r.IP.Is4() || !ok {
			continue
		}
		marked++
		want := byte(2) // fail
		switch r.Verdict {
		case "pass":
			want = 1
		case "error":
			want = 3
		}
		if b>>4&3 != want {
			t.Errorf("%s: marker %d, want %d (%s)", r.IP, b>>4&3, want, r.Verdict)
		}
	}
	if marked == 0 {
		t.Fatal("no verdict landed on the map")
	}
	if !strings.Contains(over.out, `id="pass-rate"`) {
		t.Error("no FCrDNS pass rate in the summary")
	}
}

func TestHTMLUsageErrors(t *testing.T) {
	dir := copyExamples(t)
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{\n  \"results\": [\n    {\"ip\": 7}\n  ]\n}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"zones", "--config", "rdnsctl.yaml", "-o", "html"}, "only audit and fcrdns"},
		{[]string{"audit", "--config", "rdnsctl.yaml", "--fcrdns", "bad.json"}, "add -o html"},
		{[]string{"audit", "--config", "rdnsctl.yaml", "--fcrdns", "bad.json", "-o", "html"}, "bad.json:3:"},
		{[]string{"audit", "--config", "rdnsctl.yaml", "--fcrdns", "missing.json", "-o", "html"}, "missing.json"},
		{[]string{"audit", "--config", "rdnsctl.yaml", "--fix", "-o", "html"}, "not of --fix"},
	} {
		r := run(t, dir, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.err, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.err, tc.want)
		}
		if tc.args[len(tc.args)-1] == "html" && r.out != "" {
			t.Errorf("%v: wrote %d bytes to stdout on error", tc.args, len(r.out))
		}
	}
}
