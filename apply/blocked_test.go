package apply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdnsctl/rdnsctl/zoneset"
)

// A zone set that allows no write (here: two files claim one origin) gives
// a plan that previews but does not commit, even with Force.
func TestBlockedPlanDoesNotCommit(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "db.198.51.100"), []byte(zone(20)), 0o644)
	os.WriteFile(filepath.Join(dir, "100.51.198.in-addr.arpa.zone"), []byte(zone(20)), 0o644)
	s := load(t, dir)
	b := &fakeBackend{dir: t.TempDir(), applyN: -1}
	e := &Engine{Backend: b, Journal: filepath.Join(b.dir, "journal.jsonl")}
	p, err := e.Plan(context.Background(), s, Request{Changes: changes(1)}, Options{Force: true})
	var we *zoneset.WriteError
	if err != nil || !errors.As(p.Blocked, &we) || len(p.Changes.Changes) != 1 {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	tx, err := e.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if _, err := tx.Commit(context.Background(), p, rec); !errors.As(err, &we) {
		t.Fatalf("Commit = %v", err)
	}
	if len(b.live) != 0 {
		t.Fatal("written despite the conflict")
	}
	if _, err := os.Stat(e.Journal); err == nil {
		t.Fatal("journal written")
	}
}
