package zonefile

import (
	"os"
	"path/filepath"
	"testing"
)

// A write killed after its manifest: Recover finishes every rename. Without
// a manifest, leftover temporary files are only removed.
func TestRecover(t *testing.T) {
	tests := []struct {
		name     string
		manifest bool
		want     string
	}{
		{"manifest: roll forward", true, "new"},
		{"no manifest: roll back", false, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			os.WriteFile(a, []byte("new"), 0o644) // already renamed before the kill
			os.WriteFile(b, []byte("old"), 0o644)
			tmp := filepath.Join(dir, ".b.rdnsctl-123")
			os.WriteFile(tmp, []byte("new"), 0o644)
			os.WriteFile(filepath.Join(dir, ".a.rdnsctl-9.old"), []byte("old"), 0o644)
			if tt.manifest {
				os.WriteFile(filepath.Join(dir, ManifestName), []byte(filepath.Join(dir, ".a.rdnsctl-gone")+"\t"+a+"\n"+tmp+"\t"+b+"\n"), 0o644)
			}
			done, pending, err := Recover(dir)
			if err != nil || pending != tt.manifest {
				t.Fatalf("Recover = %v, %v, %v", done, pending, err)
			}
			if err := FinishWrite(dir); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(b); string(got) != tt.want {
				t.Fatalf("b = %q, want %q (done %v)", got, tt.want, done)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}
