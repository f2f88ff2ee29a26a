package zonecheck

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/zonefile"
)

// The parity tests compare the checker's verdict with named-checkzone's: a
// zone has a finding of severity error from a BIND code exactly when
// named-checkzone -i local -k fail refuses it, and likewise with -k warn
// when the check-names codes are set to warning. Every run passes -i local
// (never -i full, which would resolve names off the machine) and an
// explicit -k.

func haveCheckzone() bool {
	_, err := exec.LookPath("named-checkzone")
	return err == nil
}

// checkNames is a -k mode and the severities that mirror it.
type checkNames string

const (
	kFail checkNames = "fail"
	kWarn checkNames = "warn"
)

func (k checkNames) options() Options {
	if k == kFail {
		return Options{}
	}
	return Options{Severity: Severities{CodeNamesOwner: Warning, CodeNamesTarget: Warning}}
}

// bindLoads runs named-checkzone -i local -k MODE in dir (where it resolves
// $INCLUDE paths) and says whether it loaded the zone, with its output.
func bindLoads(t testing.TB, dir, file, origin string, k checkNames) (bool, string) {
	t.Helper()
	cmd := exec.Command("named-checkzone", "-i", "local", "-k", string(k), origin, file)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("named-checkzone: %v", err)
		}
	}
	return err == nil, strings.TrimSpace(out.String())
}

// verdict is what the checker makes of a file: whether BIND's codes refuse
// it (a parse error, or a BIND code of severity error) and every finding.
type verdict struct {
	bindRefuses bool // refused by parse-error or a BIND code
	refuses     bool // refused by any code (BIND's or the PTR policy)
	findings    []Finding
}

func checkFile(t testing.TB, root, file, origin string, opt Options) verdict {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	z, err := zonefile.ParseBytes(data, file, zonefile.Options{Origin: origin, FS: os.DirFS(root), Dir: path.Dir(file)})
	if err != nil {
		return verdict{bindRefuses: true, refuses: true, findings: []Finding{ParseFinding(err)}}
	}
	var v verdict
	v.findings = File(z, opt)
	for _, f := range v.findings {
		if f.Severity != Error {
			continue
		}
		v.refuses = true
		if c, _ := codeInfo(f.Code); c.BIND {
			v.bindRefuses = true
		}
	}
	return v
}

func codesOf(f []Finding) []string {
	var out []string
	for _, x := range f {
		out = append(out, x.Code+"@"+itoa(x.Line))
	}
	return out
}
