package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/rdns"
)

func TestFormatVersion(t *testing.T) {
	vcs := func(rev, modified, tm string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}, {Key: "vcs.time", Value: tm}}
	}
	tests := []struct {
		name string
		ld   string
		info *debug.BuildInfo
		want string
	}{
		{"checkout, clean", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123456789abcdef01234567", "false", "2026-12-01T07:00:00Z")},
			"(devel) (revision 0123456789abcdef0123456789abcdef01234567, 2026-12-01T07:00:00Z, go1.26.8)"},
		{"checkout, modified", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123456789abcdef01234567", "true", "2026-12-01T07:00:00Z")},
			"(devel) (revision 0123456789abcdef0123456789abcdef01234567 (modified), 2026-12-01T07:00:00Z, go1.26.8)"},
		{"go install @v1.2.3", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			"v1.2.3 (go1.26.8)"},
		{"ldflags version, with VCS", "v1.3.0", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc", "false", "")},
			"v1.3.0 (revision abc, go1.26.8)"},
		{"no VCS", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"(devel) (no VCS revision: built with -buildvcs=false or outside a git checkout, go1.26.8)"},
		{"no build info", "", nil, "(unknown) (no build information)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatVersion(tt.ld, tt.info); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A binary built from a git checkout prints the revision it was built from,
// with version and --version alike. (Go stamps no revision in a linked
// worktree, whose .git is a file, so the build is made from a fresh
// repository holding this work tree's files.)
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	src := t.TempDir()
	gitIn := func(dir string, args ...string) string {
		t.Helper()
		c := exec.Command("git", args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.net", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.net")
		out, err := c.Output()
		if err != nil {
			t.Skipf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	tree := exec.Command("sh", "-c", "git ls-files -z -co --exclude-standard | tar --null -T - -c | tar -x -C "+src)
	tree.Dir = ".."
	if out, err := tree.CombinedOutput(); err != nil {
		t.Skipf("copying the work tree: %v %s", err, out)
	}
	gitIn(src, "init", "-q")
	gitIn(src, "add", ".")
	gitIn(src, "commit", "-q", "-m", "version test")
	head := gitIn(src, "rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "rdnsctl")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/rdnsctl")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if s := string(out); !strings.HasPrefix(s, "rdnsctl ") || !strings.Contains(s, "(revision "+head+", ") || strings.Contains(s, "modified") {
			t.Errorf("%v: %q does not name revision %s", args, s, head)
		}
	}
}

// A command line cobra refuses prints the command's usage line and exits 2;
// an error of the run itself does not.
func TestUsageLine(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		usage string // "" for none
	}{
		{"unknown flag", []string{"zones", "--nope"}, "Usage: rdnsctl zones [flags]"},
		{"too many args", []string{"set", "198.51.100.1"}, "Usage: rdnsctl set IP HOSTNAME [flags]"},
		{"unknown command", []string{"frobnicate"}, "Usage: rdnsctl [flags]"},
		{"bad flag value", []string{"block-init", "192.0.2.0/24", "--max-change", "lots"}, "Usage: rdnsctl block-init"},
		{"input error", []string{"zone", "check", "--zones", "/nonexistent"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "", tt.args...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.err)
			}
			if tt.usage == "" {
				if strings.Contains(r.err, "Usage:") {
					t.Errorf("usage printed for an input error:\n%s", r.err)
				}
				return
			}
			if !strings.Contains(r.err, tt.usage) || !strings.Contains(r.err, "--help") {
				t.Errorf("stderr lacks %q:\n%s", tt.usage, r.err)
			}
			if r.out != "" {
				t.Errorf("stdout: %q", r.out)
			}
		})
	}
}

// Flags that take one of a list complete to it, each value one the verb
// accepts; --origin completes to the configured zones' origins.
func TestFlagCompletion(t *testing.T) {
	clearEnv(t)
	accept := map[string]func(string) error{
		"style": func(s string) error { _, err := rdns.ParseStyle(s); return err },
		"fail-on": func(s string) error {
			if _, ok := audit.ParseCoverageFinding(s); ok {
				return nil
			}
			_, err := audit.ParseCategory(s)
			return ifNot(s != "all", err)
		},
		"overwrite": func(s string) error {
			_, err := bulk.ParseOverwrite(s)
			return err
		},
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"zones", "-o", ""}, []string{"table", "json", "csv"}},
		{[]string{"audit", "--ipam-format", ""}, []string{"auto", "csv", "netbox", "phpipam"}},
		{[]string{"block-init", "--overwrite", ""}, []string{"none", "defaults", "all"}},
		{[]string{"transfer", "import", "--overwrite", ""}, []string{"none", "all"}},
		{[]string{"transfer", "delegate", "--style", ""}, []string{"slash", "rfc4183", "range"}},
		{[]string{"audit", "--fail-on", ""}, []string{"all", "missing", "stale", "default-on-assigned", "uncovered", "delegation-overlap"}},
		{[]string{"audit", "--stale", ""}, []string{"reset", "delete"}},
		{[]string{"zone", "check", "--config", "../examples/rdnsctl.yaml", "--origin", ""}, []string{"100.51.198.in-addr.arpa.", "2.0.192.in-addr.arpa."}},
		{[]string{"zone", "dump", "--config", "../examples/rdnsctl.yaml", "--origin", "2."}, []string{"2.0.192.in-addr.arpa."}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, "", "", append([]string{"__complete"}, tt.args...)...)
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
				if !strings.HasPrefix(l, ":") {
					got = append(got, strings.SplitN(l, "\t", 2)[0])
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("completions %v lack %q (stderr %s)", got, w, r.err)
				}
			}
			flag := strings.TrimLeft(tt.args[len(tt.args)-2], "-")
			if check := accept[flag]; check != nil {
				for _, v := range got {
					if err := check(v); err != nil {
						t.Errorf("completion %q is refused: %v", v, err)
					}
				}
			}
		})
	}
	// every flag named in flagValues exists somewhere
	app := &App{IO: &IOStreams{}}
	root := app.NewRootCmd()
	for key := range flagValues() {
		flag := key[strings.LastIndex(key, " ")+1:]
		found := false
		for _, c := range allCommands(root) {
			found = found || c.Flags().Lookup(flag) != nil || c.PersistentFlags().Lookup(flag) != nil
		}
		if !found {
			t.Errorf("flagValues names --%s, which no command has", flag)
		}
	}
}

func ifNot(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

// Every command's --help has examples and an EXIT STATUS section.
func TestEveryHelpHasExitStatus(t *testing.T) {
	app := &App{IO: &IOStreams{}}
	root := app.NewRootCmd()
	for _, c := range allCommands(root) {
		if c.Hidden || c.Name() == "help" || strings.HasPrefix(c.Name(), "__") {
			continue
		}
		if !strings.Contains(c.Long, "EXIT STATUS") {
			t.Errorf("%s: --help has no EXIT STATUS section", c.CommandPath())
		}
		if !c.HasExample() {
			t.Errorf("%s: --help has no example", c.CommandPath())
		}
	}
}
