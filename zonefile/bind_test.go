package zonefile

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Helpers that run BIND's checkers and compare record sets. Every call passes
// -i local (never the default -i full, which would resolve names off the
// machine) and an explicit -k.

func haveBIND() bool {
	_, err := exec.LookPath("named-compilezone")
	return err == nil
}

func skipWithoutBIND(t testing.TB) {
	t.Helper()
	if !haveBIND() {
		t.Skip("named-compilezone not installed (Debian package bind9-utils); skipping the live BIND comparison")
	}
}

// bindResult is what BIND made of a zone file.
type bindResult struct {
	loaded  bool
	records []string // normalised, sorted
	stderr  string
}

// runCompileZone runs named-compilezone -k ignore -i local (or -i none when
// integrity is false) on the zone, with root as its working directory (where
// it resolves $INCLUDE paths). When data is not nil it is written to a
// temporary file and loaded instead of file.
func runCompileZone(t testing.TB, root, file, origin string, data []byte, integrity bool) bindResult {
	t.Helper()
	tmp := t.TempDir()
	if data != nil {
		file = filepath.Join(tmp, "zone.db")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if !filepath.IsAbs(file) {
		file = filepath.Join(root, file)
	}
	out := filepath.Join(tmp, "out.db")
	check := "local"
	if !integrity {
		check = "none"
	}
	cmd := exec.Command("named-compilezone", "-k", "ignore", "-i", check, "-w", root, "-o", out, origin, file)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := bindResult{stderr: stderr.String()}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("named-compilezone: %v", err)
		}
		return res
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := normaliseDump(string(text))
	if err != nil {
		t.Fatalf("reading named-compilezone output: %v", err)
	}
	res.loaded = true
	res.records = recs
	return res
}

// readOracle reads a stored named-checkzone -D output: header lines start
// with "#", one of them "# exit=N".
func readOracle(path string) (bindResult, bool, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return bindResult{}, false, nil
	}
	var body strings.Builder
	res := bindResult{}
	exit := -1
	for _, line := range strings.SplitAfter(string(text), "\n") {
		if strings.HasPrefix(line, "#") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# exit="); ok {
				fmt.Sscan(s, &exit)
			}
			if s, ok := strings.CutPrefix(line, "# stderr: "); ok {
				res.stderr += s
			}
			continue
		}
		body.WriteString(line)
	}
	if exit < 0 {
		return res, false, fmt.Errorf("%s: no exit line", path)
	}
	res.loaded = exit == 0
	if res.loaded {
		recs, err := normaliseDump(body.String())
		if err != nil {
			return res, false, fmt.Errorf("%s: %v", path, err)
		}
		res.records = recs
	}
	return res, true, nil
}

// normaliseDump parses master-file text holding absolute names with
// miekg/dns and returns each record in one normal form, sorted.
func normaliseDump(text string) ([]string, error) {
	zp := dns.NewZoneParser(strings.NewReader(text), ".", "")
	var out []string
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, normRR(rr))
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// normRR lower-cases the owner and the names inside the RDATA and prints the
// record the way miekg/dns does.
func normRR(rr dns.RR) string {
	canonicalRDATA(rr)
	h := rr.Header()
	if c, err := canonicalName(h.Name, "."); err == nil {
		h.Name = c
	}
	return rr.String()
}

// zoneRecords renders what the reader loaded in the same normal form.
func zoneRecords(z *Zone) ([]string, error) {
	var out []string
	for _, r := range z.Loaded() {
		line := string(AppendRecord(nil, r))
		rr, err := dns.NewRR(line)
		if err != nil {
			return nil, fmt.Errorf("miekg/dns cannot read back %q: %v", line, err)
		}
		out = append(out, normRR(rr))
	}
	slices.Sort(out)
	return out, nil
}

// diffSets lists the records only one side has.
func diffSets(want, got []string) string {
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j >= len(got) || (i < len(want) && want[i] < got[j]):
			fmt.Fprintf(&b, "  BIND only:    %s\n", want[i])
			i++
		case i >= len(want) || got[j] < want[i]:
			fmt.Fprintf(&b, "  rdnsctl only: %s\n", got[j])
			j++
		default:
			i++
			j++
		}
	}
	return b.String()
}
