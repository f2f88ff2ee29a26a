package zonefile

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// FuzzParse feeds the reader arbitrary bytes: it must never panic, and what
// it returns must hold together (indices in range, spans inside the file,
// names in canonical form, output that can be written).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.zone"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b, "")
			f.Add(b, "100.51.198.in-addr.arpa")
		}
	}
	for _, s := range []string{
		hdr + "1 PTR a.example.\n",
		hdr + "$GENERATE 0-3 ${0,3,n} PTR h$.example.\n",
		hdr + "$GENERATE 1-2 $ TXT \"\\$ ${-5,2,o}\"\n",
		hdr + "a ( 300 ) IN ( PTR ) x.\n",
		hdr + "a TXT \"x\\\ny\" \\065\\\\ a\"b\"c\n",
		"$ORIGIN 2.0.192.in-addr.arpa.\n$INCLUDE part.zone x\n",
		"$TTL 1\n\\@ SOA a. b. 1 2 3 4 5\r\n",
		"@ SOA a. b. (\n1 2 3 4 5\n",
		"$GENERATE 0-2147483647 $ PTR x.\n",
		"\x00\r\n\t;\"",
		// the hostile file system and the limits (issue 9)
		"$INCLUDE /etc/passwd\n",
		"$INCLUDE ../../etc/passwd\n",
		"$INCLUDE fifo\n$INCLUDE dir\n$INCLUDE dir/x\n",
		"$GENERATE 0-16777215 $ PTR x.\n",
		"$GENERATE 0-1048576/2 $ PTR x.\n",
		hdr + "$" + string(bytes.Repeat([]byte("q"), 300)) + " x\n",
		hdr + "a PTR " + string(bytes.Repeat([]byte("q"), 300)) + ".\n",
	} {
		f.Add([]byte(s), "test.")
	}
	fsys := fstest.MapFS{
		"part.zone": {Data: []byte("1 PTR one.example.\n$INCLUDE part.zone\n")},
		"dir/x":     {Data: []byte("\tPTR x.\n")},
		"fifo":      {Mode: fs.ModeNamedPipe},
	}
	f.Fuzz(func(t *testing.T, data []byte, origin string) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		}()
		z, err := ParseBytes(data, "fuzz.zone", Options{Origin: origin, FS: fsys, MaxGenerate: 256})
		if z == nil {
			if err == nil {
				t.Fatal("nil zone and nil error")
			}
			return
		}
		for _, r := range z.Records {
			if int(r.File) >= len(z.Files) {
				t.Fatalf("record file %d of %d", r.File, len(z.Files))
			}
			file := z.Files[r.File]
			if int(r.Entry) >= len(file.Entries) {
				t.Fatalf("record entry %d of %d", r.Entry, len(file.Entries))
			}
			if c, err := canonicalName(r.Name, "."); err != nil || c != r.Name {
				t.Fatalf("owner %q is not canonical (%q, %v)", r.Name, c, err)
			}
		}
		for _, file := range z.Files {
			prev := int32(0)
			for _, e := range file.Entries {
				if e.Start < prev || e.End < e.Start || int(e.End) > len(file.Data) || e.EndLine < e.Line {
					t.Fatalf("bad entry %+v in %d bytes", e, len(file.Data))
				}
				prev = e.End
			}
		}
		if err := z.Dump(io.Discard); err != nil {
			t.Fatal(err)
		}
		// Parsing is deterministic.
		z2, err2 := ParseBytes(bytes.Clone(data), "fuzz.zone", Options{Origin: origin, FS: fsys, MaxGenerate: 256})
		if (err == nil) != (err2 == nil) || len(z2.Records) != len(z.Records) {
			t.Fatal("two parses differ")
		}
	})
}

// FuzzPatch patches what the reader makes of arbitrary text: every PTR and
// CNAME is replaced, deleted or kept as the fuzzer's bytes say, and a PTR is
// added. Patch must not panic, and when it succeeds the result must read
// back with exactly those changes.
func FuzzPatch(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "patch", "*.zone"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b, []byte{0, 1, 2, 3})
		}
	}
	f.Add([]byte(hdr+"1 PTR a.\n PTR b.\n2 3 PTR c.\n$GENERATE 1-9/3 x$ PTR g$.\n"), []byte{1, 0, 1})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		}()
		opt := Options{Origin: "test.", MaxGenerate: 64}
		z, err := ParseBytes(data, "fuzz.zone", opt)
		if err != nil || len(z.Files) != 1 || len(ops) == 0 {
			return
		}
		changes := pickChanges(z, func(i int) int { return int(ops[i%len(ops)] % 3) })
		changes = append(changes, rdns.Change{Action: rdns.Add, Name: "added.test.", Type: "PTR", New: "added.example."})
		out, err := z.Patch(changes, PatchOptions{Now: patchNow})
		if err != nil {
			return
		}
		if err := verifyPatch(z, changes, out, opt); err != nil {
			t.Fatalf("%v\n--- input\n%s\n--- output\n%s", err, data, out[0])
		}
	})
}
