package cmd

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type diffOut struct {
	Changes []struct {
		IP, Change string
		Old, New   []string
	} `json:"changes"`
	Summary map[string]int `json:"summary"`
}

// diff reports exactly the changed addresses; introduced errors fail it.
func TestDiff(t *testing.T) {
	dir := copyExamples(t)
	zones := filepath.Join(dir, "zones")
	oldDir := filepath.Join(t.TempDir(), "old")
	os.CopyFS(oldDir, os.DirFS(zones))
	// change two PTRs, add one, remove one, and break one
	path := filepath.Join(zones, "db.198.51.100")
	b, _ := os.ReadFile(path)
	s := string(b)
	s = strings.Replace(s, "11\tIN\tPTR\twww.acme-widgets.example.", "11\tIN\tPTR\tshop.acme-widgets.example.", 1)
	s = strings.Replace(s, "21\tIN\tPTR\t198-51-100-21.customers.example.net.\n", "", 1)
	s = strings.Replace(s, "44\tIN\tPTR", "23\tIN\tPTR\tnew.customer.example.\n44\tIN\tPTR", 1)
	os.WriteFile(path, []byte(s), 0o644)
	r := run(t, "", "", "diff", oldDir, zones, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	var out diffOut
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range out.Changes {
		got = append(got, c.Change+" "+c.IP)
	}
	want := "changed 198.51.100.11,removed 198.51.100.21,added 198.51.100.23"
	if strings.Join(got, ",") != want {
		t.Fatalf("changes %v, want %s", got, want)
	}
	// a target that lost its final dot is an introduced error: exit 1
	s = strings.Replace(s, "shop.acme-widgets.example.", "shop.acme-widgets.example", 1)
	os.WriteFile(path, []byte(s), 0o644)
	if r := run(t, "", "", "diff", oldDir, zones); r.code != 1 {
		t.Fatalf("introduced error: exit %d\n%s", r.code, r.out)
	}
}

func TestDiffGitBase(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := copyExamples(t)
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=t@example.net", "-c", "user.name=t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "zones")
	r := run(t, "", "", "block-init", "203.0.113.128/30", "--config", filepath.Join(dir, "rdnsctl.yaml"), "--write")
	if r.code != 0 {
		t.Fatalf("block-init: %d %s", r.code, r.err)
	}
	r = run(t, "", "", "diff", "--git-base", "HEAD", "--zones", filepath.Join(dir, "zones"), "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.err)
	}
	var out diffOut
	json.Unmarshal([]byte(r.out), &out)
	if out.Summary["added"] != 2 || len(out.Changes) != 2 {
		t.Fatalf("want 203.0.113.128 and .129 added (130, 131 exist): %s", r.out)
	}
	// a ref is never an option to git (it would write the file), and a ref
	// that names no commit is a usage error
	stolen := filepath.Join(dir, "stolen.txt")
	for _, ref := range []string{"--output=" + stolen, "-o" + stolen, "no-such-ref", "HEAD:zones"} {
		r = run(t, "", "", "diff", "--git-base="+ref, "--zones", filepath.Join(dir, "zones"))
		if r.code != 2 {
			t.Errorf("--git-base=%s: exit %d, want 2\n%s", ref, r.code, r.err)
		}
		if _, err := os.Stat(stolen); err == nil {
			t.Fatalf("--git-base=%s made git write %s", ref, stolen)
		}
	}
}
