package cmd

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
)

// jsonVerbs is every verb that has -o json, with arguments that make it do
// its work on a copy of examples/ (the config is appended). A verb added
// without a case here fails TestEveryJSONVerbIsListed.
var jsonVerbs = []struct {
	name string
	args []string
	// stdin, when set, is fed to the command.
	stdin string
	// code is the exit status the case must end with.
	code int
}{
	{"zones", []string{"zones"}, "", 0},
	{"zone check", []string{"zone", "check"}, "", 0},
	{"audit", []string{"audit"}, "", 1},
	{"audit --fix", []string{"audit", "--fix", "--no-validate"}, "", 0},
	{"audit --fix --write", []string{"audit", "--fix", "--write", "--no-validate"}, "", 0},
	{"block-init", []string{"block-init", "192.0.2.0/28"}, "", 0},
	{"block-init --write", []string{"block-init", "192.0.2.0/28", "--write"}, "", 0},
	{"mass-rename", []string{"mass-rename", "192.0.2.0/24", "--suffix", "pool1.example.net.", "--to-suffix", "pool2.example.net.", "--force"}, "", 0},
	{"transfer delegate", []string{"transfer", "delegate", "203.0.113.128/26"}, "", 0},
	{"transfer undelegate", []string{"transfer", "undelegate", "198.51.100.64/26"}, "", 0},
	{"transfer import", []string{"transfer", "import", "handover.csv", "--block", "203.0.113.0/24"}, "", 0},
	{"transfer export", []string{"transfer", "export", "198.51.100.64/26", "--out", "export"}, "", 0},
	{"fcrdns --offline", []string{"fcrdns", "--from-zones", "--offline", "--forward-zones", "fwd"}, "", 1},
	{"fcrdns stdin", []string{"fcrdns", "-", "--offline", "--forward-zones", "fwd"}, "198.51.100.10\nnot-an-address\n", 0},
	{"set", []string{"set", "198.51.100.44", "mail.customer.example", "--no-validate"}, "", 0},
	{"unset", []string{"unset", "198.51.100.10"}, "", 0},
	{"provision", []string{"provision", "198.51.100.45", "--customer", "C-1"}, "", 0},
	{"deprovision", []string{"deprovision", "198.51.100.10", "--write"}, "", 0},
	{"apply-events", []string{"apply-events", "-", "--no-validate"}, `{"event":"provision","ip":"198.51.100.46","customer":"C-2"}` + "\n" + `{"event":"frobnicate","ip":"198.51.100.47"}` + "\n", 2},
	{"apply-events all rejected", []string{"apply-events", "-"}, `{"event":"set","ip":"198.51.100.0/24","hostname":"x.example."}` + "\n", 2},
	{"log", []string{"log"}, "", 0},
	{"diff", []string{"diff", "zones/db.192.0.2", "zones/db.192.0.2"}, "", 0},
	{"diff changed", []string{"diff", "zones/db.192.0.2", "db.192.0.2.new"}, "", 1},
	// run with the config plus a secondary that serves nothing
	{"servers check", []string{"servers", "check"}, "", 1},
	{"token list", []string{"token", "list"}, "", 0},
}

// With -o json, stdout holds exactly one JSON document, whatever the verb
// also says (summaries, warnings, skipped lines, progress go to stderr).
func TestJSONStdoutIsOneDocument(t *testing.T) {
	clearEnv(t)
	t.Setenv("SUDO_USER", "")
	t.Setenv("USER", "golden") // the journal's operator, in the goldens
	// no case may ask a resolver off this machine: a closed local port
	t.Setenv("RDNSCTL_RESOLVERS", "127.0.0.1:1")
	dir := copyExamples(t)
	// a journal for log, and a zone line that warns on load
	os.WriteFile(filepath.Join(dir, "rdns-changes.jsonl"), []byte(`{"time":"2026-11-20T10:00:00Z","operator":"ops","command":"rdnsctl set","action":"replace","zone":"100.51.198.in-addr.arpa.","file":"zones/db.198.51.100","name":"10.100.51.198.in-addr.arpa.","ip":"198.51.100.10","type":"PTR","old":"a.example.","new":"b.example."}`+"\nnot json\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "handover.csv"), []byte("ip,ptr\n203.0.113.200,shop.other.example.\n"), 0o644)
	writeForward(t, dir)
	z, _ := os.ReadFile(filepath.Join(dir, "zones", "db.192.0.2"))
	os.WriteFile(filepath.Join(dir, "db.192.0.2.new"), append(z, "250\tIN\tPTR\tnew-host.example.net.\n"...), 0o644)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	withServers := filepath.Join(dir, "servers.yaml")
	b, _ := os.ReadFile(cfg)
	addr := dnstest.NewServer(t, dnstest.Handler(t, "example.net. 300 IN A 192.0.2.1"))
	os.WriteFile(withServers, append(b, "servers:\n  - {name: ns2, address: \""+addr+"\", role: secondary, timeout: 1s}\napi: {tokens_file: tokens.json}\n"...), 0o644)
	for _, v := range jsonVerbs {
		t.Run(v.name, func(t *testing.T) {
			config := cfg
			if v.args[0] == "servers" || v.args[0] == "token" {
				config = withServers
			}
			args := append(append([]string{}, v.args...), "--config", config, "-o", "json")
			r := run(t, dir, v.stdin, args...)
			if r.code != v.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, v.code, r.err)
			}
			dec := json.NewDecoder(strings.NewReader(r.out))
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("stdout is not a JSON object: %v\nstdout:\n%s\nstderr:\n%s", err, r.out, r.err)
			}
			var extra any
			if err := dec.Decode(&extra); err != io.EOF {
				t.Fatalf("stdout holds more than one JSON document (%v):\n%s", err, r.out)
			}
			checkJSONNames(t, doc, "")
			// the document is held by a golden file, paths and ports masked
			out := strings.ReplaceAll(r.out, dir+string(filepath.Separator), "")
			out = strings.ReplaceAll(out, dir, ".")
			out = strings.ReplaceAll(out, addr, "127.0.0.1:PORT")
			goldenFile(t, filepath.Join("..", "..", "report", "testdata", "json", strings.ReplaceAll(v.name, " ", "_")+".json"), out)
		})
	}
}

// snakeKey is a JSON field name; enumKey a key that is an enumerated value
// (a category, verdict or status counted in a summary), spelled as the
// value is in the rows.
var (
	snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	enumKey  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// checkJSONNames holds a document to the one naming rule: snake_case field
// names; in a summary, keys that count an enumerated value are spelled as
// the value (no-ptr, default-on-assigned); lists are [] when empty, never
// null.
func checkJSONNames(t *testing.T, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			inSummary := strings.HasSuffix(path, "summary") || strings.HasSuffix(path, "counts")
			if !snakeKey.MatchString(k) && !(inSummary && enumKey.MatchString(k)) {
				t.Errorf("%s.%s: key is not snake_case", path, k)
			}
			if val == nil && isListKey(k) {
				t.Errorf("%s.%s: null where a list is wanted ([] when empty)", path, k)
			}
			checkJSONNames(t, val, path+"."+k)
		}
	case []any:
		for _, item := range x {
			checkJSONNames(t, item, path+"[]")
		}
	}
}

// isListKey says whether a key names a list by the house rule (a plural).
func isListKey(k string) bool {
	switch k {
	case "findings", "changes", "results", "entries", "zones", "skipped", "conflicts", "introduced", "resolved", "forward", "names", "rejected", "files":
		return true
	}
	return false
}

// Every verb with an -o flag is in jsonVerbs.
func TestEveryJSONVerbIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, v := range jsonVerbs {
		var words []string
		for _, w := range v.args {
			if strings.HasPrefix(w, "-") || strings.ContainsAny(w, "./:") {
				break
			}
			words = append(words, w)
		}
		listed[strings.Join(words, " ")] = true
		if words[0] == "apply-events" {
			listed["apply-events"] = true
		}
	}
	app := &App{IO: &IOStreams{}}
	root := app.NewRootCmd()
	for _, c := range allCommands(root) {
		if !c.Runnable() || c.Hidden {
			continue
		}
		path := strings.TrimPrefix(c.CommandPath(), "rdnsctl ")
		switch path {
		case "version", "completion", "help", "zone dump", "rdnsctl", "serve", "token add", "token revoke":
			continue // no JSON: text by design
		}
		if !listed[path] {
			t.Errorf("%s has -o json but no case in jsonVerbs (streams_test.go)", path)
		}
	}
}

// writeForward writes dir/fwd, forward zones for the example's PTR names,
// so that --offline checks end in verdicts.
func writeForward(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(filepath.Join(dir, "fwd"), 0o755)
	for _, origin := range []string{"example.net.", "acme-widgets.example.", "bakery.example."} {
		z := "$ORIGIN " + origin + "\n$TTL 300\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n@ NS ns1.example.net.\n"
		if origin == "acme-widgets.example." {
			z += "mail A 198.51.100.10\nwww A 198.51.100.11\n"
		}
		os.WriteFile(filepath.Join(dir, "fwd", origin+"zone"), []byte(z), 0o644)
	}
}

func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}

// In table and CSV mode stdout holds the data only: the counts of audit and
// fcrdns and every summary line are on stderr; --quiet silences them.
func TestSummariesOnStderr(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	writeForward(t, dir)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	tests := []struct {
		name    string
		args    []string
		header  string // the first line of stdout
		notOut  []string
		wantErr string
	}{
		{"audit", []string{"audit"}, "CATEGORY\tIP\t", []string{"addresses checked", "FINDINGS"}, "addresses checked"},
		{"audit csv", []string{"audit", "-o", "csv"}, "category,ip,", []string{"addresses checked"}, "addresses checked"},
		{"fcrdns", []string{"fcrdns", "--from-zones", "--offline", "--forward-zones", "fwd"}, "IP\tVERDICT\t", []string{"ADDRESSES"}, "ADDRESSES"},
		{"block-init", []string{"block-init", "192.0.2.0/28"}, "ACTION\tIP\t", []string{"Nothing written"}, "Nothing written"},
		{"zone check", []string{"zone", "check"}, "FILE\tLINE\t", []string{"zones checked"}, "zones checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, dir, "", append(tt.args, "--config", cfg)...)
			if !strings.HasPrefix(r.out, tt.header) {
				t.Errorf("stdout does not start with the header %q:\n%s", tt.header, r.out)
			}
			for _, s := range tt.notOut {
				if strings.Contains(r.out, s) {
					t.Errorf("stdout holds %q:\n%s", s, r.out)
				}
			}
			if !strings.Contains(r.err, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, r.err)
			}
			q := run(t, dir, "", append(tt.args, "--config", cfg, "--quiet")...)
			if q.out != r.out || strings.Contains(q.err, tt.wantErr) {
				t.Errorf("--quiet: stdout changed or stderr still has %q:\n%s", tt.wantErr, q.err)
			}
		})
	}
}

// --no-headers drops the header line of every table and CSV; CSV has one
// otherwise.
func TestNoHeaders(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	writeForward(t, dir)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	os.WriteFile(filepath.Join(dir, "rdns-changes.jsonl"), []byte(`{"time":"2026-11-20T10:00:00Z","operator":"ops","command":"rdnsctl set 198.51.100.10 b.example.","action":"replace","zone":"100.51.198.in-addr.arpa.","file":"zones/db.198.51.100","name":"10.100.51.198.in-addr.arpa.","ip":"198.51.100.10","type":"PTR","old":"a.example.","new":"b.example.","customer":"C-9"}`+"\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		header string
	}{
		{"zones", []string{"zones"}, "origin"},
		{"audit", []string{"audit"}, "category"},
		{"zone check", []string{"zone", "check"}, "file"},
		{"fcrdns", []string{"fcrdns", "--from-zones", "--offline", "--forward-zones", "fwd"}, "ip"},
		{"plan", []string{"block-init", "192.0.2.0/28"}, "action"},
		{"log", []string{"log"}, "time"},
		{"diff", []string{"diff", "zones/db.192.0.2", "zones/db.192.0.2"}, "change"},
	}
	for _, tt := range tests {
		for _, format := range []string{"table", "csv"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				r := run(t, dir, "", append(tt.args, "--config", cfg, "-o", format)...)
				first, _, _ := strings.Cut(r.out, "\n")
				if f := strings.FieldsFunc(first, func(r rune) bool { return r == '\t' || r == ',' }); len(f) == 0 || !strings.EqualFold(f[0], tt.header) {
					t.Fatalf("first line %q is not the header (exit %d)\n%s", first, r.code, r.err)
				}
				n := run(t, dir, "", append(tt.args, "--config", cfg, "-o", format, "--no-headers")...)
				if strings.Count(n.out, "\n") != strings.Count(r.out, "\n")-1 || !strings.HasSuffix(r.out, n.out) {
					t.Errorf("--no-headers: not the same rows without the header:\n%s\n--- with:\n%s", n.out, r.out)
				}
			})
		}
	}
	// the log table names the type, the customer and the command
	r := run(t, dir, "", "log", "--config", cfg, "-o", "csv")
	recs, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("log csv: %v\n%s", err, r.out)
	}
	row := map[string]string{}
	for i, h := range recs[0] {
		row[h] = recs[1][i]
	}
	if row["type"] != "PTR" || row["customer"] != "C-9" || row["command"] != "rdnsctl set 198.51.100.10 b.example." {
		t.Errorf("log row %v", row)
	}
}

// A hostile zone or IPAM export cannot reach the terminal with control
// characters, nor a spreadsheet with a formula.
func TestOutputInjection(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	ipamFile := filepath.Join(dir, "ipam", "netbox-export.csv")
	b, _ := os.ReadFile(ipamFile)
	hostile := "198.51.100.99/24,,\"=HYPERLINK(\"\"http://evil.example/\"\")\x1b]0;pwned\x07\",active,,\"\x1b[2Jclear.example\",\"\x9b31m\"\n" +
		"198.51.100.98/24,,\"@SUM(1+1)\",active,,,\n"
	os.WriteFile(ipamFile, append(b, hostile...), 0o644)
	zone := filepath.Join(dir, "zones", "db.192.0.2")
	z, _ := os.ReadFile(zone)
	os.WriteFile(zone, append(z, "77\tIN\tPTR\tbad\x1b[31mname.example.\n"...), 0o644)

	for _, args := range [][]string{
		{"audit"}, {"audit", "-o", "csv"}, {"zone", "check"}, {"zone", "check", "-o", "csv"}, {"zones"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := run(t, dir, "", append(args, "--config", cfg)...)
			for name, s := range map[string]string{"stdout": r.out, "stderr": r.err} {
				if i := strings.IndexAny(s, "\x1b\x07\x9b"); i >= 0 {
					t.Errorf("%s holds a raw control character: %q", name, s[max(0, i-40):min(len(s), i+40)])
				}
			}
			if args[len(args)-1] != "csv" {
				return
			}
			recs, err := csv.NewReader(bytes.NewReader([]byte(r.out))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				for _, cell := range rec {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						t.Errorf("cell %q is not neutralised", cell)
					}
				}
			}
		})
	}
}
