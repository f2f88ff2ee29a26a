package zonefile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const incHead = "$TTL 3600\n@ SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n@ NS ns1.example.net.\n"

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 "the file system is hostile" and issue 10 "$INCLUDE as BIND
// resolves it": each case parses zones/main.zone, with the checker's
// working directory (Base) the directory above zones/, and says which PTR
// targets load and which error the $INCLUDE line gives.
func TestIncludeOS(t *testing.T) {
	type setup func(t *testing.T, top string)
	file := func(rel, s string) setup {
		return func(t *testing.T, top string) { writeFile(t, filepath.Join(top, rel), s) }
	}
	link := func(rel, target string) setup {
		return func(t *testing.T, top string) {
			p := filepath.Join(top, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if !filepath.IsAbs(target) && !strings.HasPrefix(target, "..") {
				target = filepath.Join(top, target)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	fifo := func(rel string) setup {
		return func(t *testing.T, top string) {
			if err := syscall.Mkfifo(filepath.Join(top, rel), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}
	}
	tests := []struct {
		name    string
		include string // the $INCLUDE line's argument; TOP is replaced by the directory above zones/
		setup   []setup
		base    string // "" = TOP; "zones" = TOP/zones
		roots   []string
		want    string // PTR target that must load, or ""
		err     string // text of the $INCLUDE error, or ""
	}{
		{name: "relative to the base first (BIND's zones/inherit.db)", include: "zones/part.inc",
			setup: []setup{file("zones/part.inc", "5 PTR five.example.net.\n")}, want: "five.example.net."},
		{name: "base wins over the including file's directory", include: "part.inc",
			setup: []setup{file("part.inc", "5 PTR base.example.net.\n"), file("zones/part.inc", "5 PTR dir.example.net.\n")},
			roots: []string{"."}, want: "base.example.net."},
		{name: "then the including file's directory", include: "part.inc",
			setup: []setup{file("zones/part.inc", "5 PTR dir.example.net.\n")}, want: "dir.example.net."},
		{name: "nested includes keep the base", include: "zones/a.inc",
			setup: []setup{file("zones/a.inc", "$INCLUDE zones/sub/b.inc\n"), file("zones/sub/b.inc", "5 PTR b.example.net.\n")}, want: "b.example.net."},
		{name: "base from the config (include_base)", include: "common/ns.inc", base: "zones",
			setup: []setup{file("zones/common/ns.inc", "5 PTR common.example.net.\n")}, want: "common.example.net."},
		{name: "not found says where it looked", include: "nope.inc", err: "file not found (looked for"},
		{name: "an absolute path inside the zones root", include: "TOP/zones/abs.inc",
			setup: []setup{file("zones/abs.inc", "5 PTR abs.example.net.\n")}, want: "abs.example.net."},
		{name: "an absolute path inside include_base", include: "TOP/shared/abs.inc", roots: []string{"shared"},
			setup: []setup{file("shared/abs.inc", "5 PTR shared.example.net.\n")}, want: "shared.example.net."},
		{name: "an absolute path elsewhere", include: "/etc/passwd", err: "/etc/passwd is outside the zones directories and include_base: refused"},
		{name: "a relative path out of the root", include: "../outside.inc",
			setup: []setup{file("../outside.inc", "5 PTR out.example.net.\n")}, err: "outside the zones directories and include_base: refused"},
		{name: "a file outside the root, through the base", include: "secret.inc",
			setup: []setup{file("secret.inc", "5 PTR secret.example.net.\n")}, err: "secret.inc is outside the zones directories and include_base: refused"},
		{name: "a symlink to a file outside", include: "zones/evil.inc",
			setup: []setup{file("elsewhere/secret", "5 PTR secret.example.net.\n"), link("zones/evil.inc", "elsewhere/secret")},
			err:   "resolves to"},
		{name: "a symlink to /etc/passwd", include: "zones/passwd.inc", setup: []setup{link("zones/passwd.inc", "/etc/passwd")},
			err: "zones/passwd.inc resolves to /etc/passwd, outside the zones directories and include_base: refused"},
		{name: "a symlinked directory leading outside", include: "zones/d/x.inc",
			setup: []setup{file("elsewhere/x.inc", "5 PTR x.example.net.\n"), link("zones/d", "elsewhere")}, err: "resolves to"},
		{name: "a symlink inside the root is read", include: "zones/l.inc",
			setup: []setup{file("zones/real/t.inc", "5 PTR t.example.net.\n"), link("zones/l.inc", "zones/real/t.inc")}, want: "t.example.net."},
		{name: "a dangling symlink", include: "zones/dangling.inc", setup: []setup{link("zones/dangling.inc", "zones/none")}, err: "a symlink to a file that does not exist"},
		{name: "a symlink to /dev/zero", include: "zones/zero.inc", setup: []setup{link("zones/zero.inc", "/dev/zero")}, roots: []string{"/dev"},
			err: "not a regular file (a character device): refused"},
		{name: "/dev/zero itself", include: "/dev/zero", roots: []string{"/dev"}, err: "not a regular file (a character device): refused"},
		{name: "a FIFO never blocks", include: "zones/fifo.inc", setup: []setup{fifo("zones/fifo.inc")}, err: "not a regular file (a FIFO): refused"},
		{name: "a directory", include: "zones", err: "not a file: a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			top := filepath.Join(tmp, "top")
			os.MkdirAll(filepath.Join(top, "zones"), 0o755)
			for _, s := range tt.setup {
				s(t, top)
			}
			inc := strings.ReplaceAll(tt.include, "TOP", top)
			main := filepath.Join(top, "zones", "main.zone")
			writeFile(t, main, incHead+"$ORIGIN 100.51.198.in-addr.arpa.\n$INCLUDE "+inc+"\n")
			base := top
			if tt.base != "" {
				base = filepath.Join(top, tt.base)
			}
			var roots []string
			for _, r := range tt.roots {
				if !filepath.IsAbs(r) {
					r = filepath.Join(top, r)
				}
				roots = append(roots, r)
			}
			if tt.base != "" {
				roots = append(roots, base)
			}
			data, _ := os.ReadFile(main)
			done := make(chan struct{})
			var z *Zone
			var err error
			go func() {
				defer close(done)
				z, err = ParseBytes(data, main, Options{Origin: "100.51.198.in-addr.arpa.", Dir: filepath.Dir(main),
					Include: &OSIncludes{Base: base, Home: filepath.Join(top, "zones"), Roots: roots}})
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the parse hangs")
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), main+":5: $INCLUDE") {
					t.Errorf("err = %v, want it at %s:5", err, main)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, r := range z.Records {
				if r.Type == TypePTR {
					got = r.Data
				}
			}
			if got != tt.want {
				t.Errorf("PTR %q, want %q", got, tt.want)
			}
		})
	}
}

// What BIND does with the same layout: named-checkzone run from the
// directory above zones/ reads zones/x.inc relative to its working
// directory, and so does the reader; both refuse the include when the file
// is missing.
func TestIncludeLikeNamedCheckzone(t *testing.T) {
	if _, err := exec.LookPath("named-checkzone"); err != nil {
		t.Skip("named-checkzone not installed (Debian package bind9-utils)")
	}
	top := t.TempDir()
	writeFile(t, filepath.Join(top, "zones", "main.zone"), incHead+"$INCLUDE zones/part.inc\n")
	writeFile(t, filepath.Join(top, "zones", "part.inc"), "5 PTR five.example.net.\n")
	writeFile(t, filepath.Join(top, "zones", "other.zone"), incHead+"$INCLUDE part.inc\n") // BIND: relative to the working directory only
	for _, c := range []struct {
		file string
		dir  string // named-checkzone's working directory
	}{{"zones/main.zone", top}, {"zones/other.zone", top}, {"zones/main.zone", filepath.Join(top, "zones")}} {
		cmd := exec.Command("named-checkzone", "-q", "-i", "local", "-k", "fail", "100.51.198.in-addr.arpa", filepath.Join(top, c.file))
		cmd.Dir = c.dir
		bindOK := cmd.Run() == nil
		data, _ := os.ReadFile(filepath.Join(top, c.file))
		p := filepath.Join(top, c.file)
		_, err := ParseBytes(data, p, Options{Origin: "100.51.198.in-addr.arpa.", Dir: filepath.Dir(p),
			Include: &OSIncludes{Base: c.dir, Home: filepath.Join(top, "zones")}})
		// the reader also falls back to the including file's directory,
		// which BIND does not: only a case BIND refuses may load here
		if bindOK && err != nil {
			t.Errorf("%s from %s: BIND loads it, the reader says %v", c.file, c.dir, err)
		}
		if !bindOK && err != nil && !strings.Contains(err.Error(), "file not found") {
			t.Errorf("%s from %s: %v", c.file, c.dir, err)
		}
	}
}
